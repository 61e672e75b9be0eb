// Readers for the files of deploy/, line by line and without dependencies: a Dockerfile's
// stages, a systemd unit's sections, and the subset of YAML that deploy/kubernetes.yaml uses.
import { readFileSync } from "node:fs";
import { root } from "./_spawn.ts";

/** The text of a file under deploy/. */
export function deployFile(name: string): string {
  return readFileSync(`${root}deploy/${name}`, "utf8");
}

/** The `shutdownTimeout` (ms) that deploy/worker.ts passes to its Manager. */
export function workerShutdownTimeout(): number {
  const m = /\bshutdownTimeout:\s*([\d_]+)\s*,/.exec(deployFile("worker.ts"));
  if (!m) throw new Error("deploy/worker.ts sets no numeric shutdownTimeout");
  return Number(m[1]!.replaceAll("_", ""));
}

export interface Instruction {
  op: string;
  args: string;
}

/** A Dockerfile's stages (from each FROM on), continuation lines joined, comments left out. */
export function dockerStages(text: string): Instruction[][] {
  const lines: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") && pending === "") continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = "";
    if (whole !== "") lines.push(whole);
  }
  const stages: Instruction[][] = [];
  for (const line of lines) {
    const m = /^(\S+)\s*(.*)$/.exec(line)!;
    const instruction = { op: m[1]!.toUpperCase(), args: m[2]! };
    if (instruction.op === "FROM") stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

/** The exec-form command of a stage (the last ENTRYPOINT, or else the last CMD), or undefined. */
export function execForm(stage: Instruction[]): string[] | undefined {
  const last = (op: string) => stage.filter((i) => i.op === op).at(-1);
  const command = last("ENTRYPOINT") ?? last("CMD");
  if (!command?.args.startsWith("[")) return undefined;
  const parsed: unknown = JSON.parse(command.args);
  return Array.isArray(parsed) && parsed.every((a) => typeof a === "string")
    ? parsed
    : undefined;
}

/** A systemd unit: section name to its settings (a key may repeat). */
export function unitSections(text: string): Map<string, [string, string][]> {
  const sections = new Map<string, [string, string][]>();
  let current: [string, string][] | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = [];
      sections.set(section[1]!, current);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0 || !current) throw new Error(`Not a setting: ${line}`);
    current.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return sections;
}

/** A systemd time span in seconds ("30", "30s", "1min 30s"). */
export function unitSeconds(value: string): number {
  const units: Record<string, number> = { "": 1, s: 1, sec: 1, min: 60, m: 60 };
  let total = 0;
  for (const part of value.split(/\s+/)) {
    const m = /^(\d+)([a-z]*)$/.exec(part);
    const unit = m ? units[m[2]!] : undefined;
    if (!m || unit === undefined) throw new Error(`Not a time span: ${value}`);
    total += Number(m[1]) * unit;
  }
  return total;
}

export type Yaml = string | number | boolean | null | Yaml[] | {
  [key: string]: Yaml;
};

interface Line {
  indent: number;
  text: string;
}

/** Drops a comment: a `#` at the start or after a space, outside quotes. */
function uncomment(line: string): string {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || line[i - 1] === " ")) {
      return line.slice(0, i);
    }
  }
  return line;
}

function scalar(text: string): Yaml {
  if (text.startsWith('"') || text.startsWith("[") || text.startsWith("{")) {
    return JSON.parse(text);
  }
  if (text.startsWith("'")) return text.slice(1, -1).replaceAll("''", "'");
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === "true" || text === "false") return text === "true";
  return text === "null" || text === "~" ? null : text;
}

/**
 * Block mappings and sequences with plain, quoted or JSON flow scalars: what
 * deploy/kubernetes.yaml uses (one document, no anchors or multi-line strings).
 */
export function parseYaml(text: string): Yaml {
  const lines: Line[] = text.split("\n").map(uncomment)
    .filter((l) => l.trim() !== "" && l.trim() !== "---")
    .map((l) => ({ indent: l.length - l.trimStart().length, text: l.trim() }));
  let i = 0;
  const node = (indent: number): Yaml => {
    if (lines[i]!.text === "-" || lines[i]!.text.startsWith("- ")) {
      const items: Yaml[] = [];
      while (
        i < lines.length && lines[i]!.indent === indent &&
        (lines[i]!.text === "-" || lines[i]!.text.startsWith("- "))
      ) {
        const rest = lines[i]!.text.slice(1).trimStart();
        if (rest === "") {
          i++;
          items.push(node(lines[i]!.indent));
        } else {
          const inner = indent + lines[i]!.text.length - rest.length;
          lines[i] = { indent: inner, text: rest };
          items.push(node(inner));
        }
      }
      return items;
    }
    if (!/^[\w.-]+:(\s|$)/.test(lines[i]!.text)) {
      return scalar(lines[i++]!.text);
    }
    const map: { [key: string]: Yaml } = {};
    while (i < lines.length && lines[i]!.indent === indent) {
      const m = /^([\w.-]+):(?:\s+(.*))?$/.exec(lines[i]!.text);
      if (!m) throw new Error(`Not a mapping entry: ${lines[i]!.text}`);
      i++;
      if (m[2] !== undefined) map[m[1]!] = scalar(m[2]);
      else if (
        i < lines.length &&
        (lines[i]!.indent > indent ||
          (lines[i]!.indent === indent && lines[i]!.text.startsWith("- ")))
      ) map[m[1]!] = node(lines[i]!.indent);
      else map[m[1]!] = null;
    }
    return map;
  };
  const doc = node(0);
  if (i < lines.length) throw new Error(`Unexpected: ${lines[i]!.text}`);
  return doc;
}

/** Follows a path of keys and indexes into parsed YAML; throws naming the path if absent. */
export function at(doc: Yaml, ...path: (string | number)[]): Yaml {
  let node: Yaml = doc;
  for (const key of path) {
    const next: Yaml | undefined = node !== null && typeof node === "object"
      ? (node as Record<string, Yaml>)[key]
      : undefined;
    if (next === undefined) throw new Error(`No ${path.join(".")}`);
    node = next;
  }
  return node;
}
