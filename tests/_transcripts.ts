// Reads the recorded Faktory 1.8 wire transcripts in tests/fixtures/.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** One step of a conversation: bytes the client sent, bytes the server sent, or the server closing. */
export type Step =
  | { readonly dir: "C"; readonly text: string }
  | { readonly dir: "S"; readonly text: string }
  | { readonly dir: "EOF" };

/** One connection's steps, in order. */
export interface Conversation {
  readonly label: string;
  readonly steps: Step[];
}

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** The transcript file names. */
export function transcriptNames(): string[] {
  return readdirSync(FIXTURES).filter((f) => /^\d\d-.*\.txt$/.test(f)).sort();
}

/** A transcript file's text. */
export function transcriptText(name: string): string {
  return readFileSync(FIXTURES + name, "utf8");
}

function unescape(text: string): string {
  return text.replaceAll("\\r", "\r").replaceAll("\\n", "\n");
}

/** Parses a transcript into its connections. */
export function loadTranscript(name: string): Conversation[] {
  const lines = readFileSync(FIXTURES + name, "utf8").split("\n");
  const conversations: Conversation[] = [];
  let current: Conversation | undefined;
  for (const line of lines) {
    if (line.startsWith("# connect ")) {
      current = { label: line.slice(10), steps: [] };
      conversations.push(current);
    } else if (line.startsWith("C: ") && current) {
      // Strip the trailing "    # comment" after the last escaped line ending.
      const m = /^(.*\\(?:r\\n|n))(\s+#.*)?$/.exec(line.slice(3));
      if (!m) throw new Error(`Cannot read client line in ${name}: ${line}`);
      current.steps.push({ dir: "C", text: unescape(m[1]!) });
    } else if (line.startsWith("S: ") && current) {
      const text = line.slice(3);
      if (!text.endsWith("\\r\\n")) {
        throw new Error(`Unterminated server line in ${name}`);
      }
      current.steps.push({ dir: "S", text: text.slice(0, -4) + "\r\n" });
    } else if (/^#\s+<server closed the connection/.test(line) && current) {
      current.steps.push({ dir: "EOF" });
    }
  }
  return conversations;
}

/** Everything the server sent on a connection, concatenated. */
export function serverBytes(conv: Conversation): string {
  return conv.steps.map((s) => (s.dir === "S" ? s.text : "")).join("");
}

/** A command the client sent and the server's reply to it (possibly several lines). */
export interface Exchange {
  readonly send: string;
  readonly reply: string;
}

/** The conversation as command/reply pairs (the greeting is the first pair, with an empty send). */
export function exchanges(conv: Conversation): Exchange[] {
  const out: { send: string; reply: string }[] = [];
  for (const step of conv.steps) {
    if (step.dir === "C") out.push({ send: step.text, reply: "" });
    else if (step.dir === "S") {
      if (out.length === 0) out.push({ send: "", reply: "" });
      out[out.length - 1]!.reply += step.text;
    }
  }
  return out;
}
