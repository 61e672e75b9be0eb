// A loopback server that plays one scripted conversation per incoming connection and checks
// that the client sent exactly the expected bytes. Built on node:net/node:tls, which all three
// runtimes provide, so it is independent of the adapter under test.
import * as net from "node:net";
import * as tls from "node:tls";
import { type Conversation, type Exchange, exchanges } from "./_transcripts.ts";

export type ReplayStep =
  | { readonly expect: string | RegExp }
  | { readonly send: string | Uint8Array }
  | { readonly close: true }
  | { readonly delay: number };

export interface ReplayOptions {
  readonly tls?: { readonly key: string; readonly cert: string };
}

export class ReplayServer {
  readonly errors: string[] = [];
  readonly received: string[] = [];
  #server: net.Server;
  #scripts: ReplayStep[][];
  #sockets = new Set<net.Socket>();
  #finished = 0;
  #onFinish: (() => void)[] = [];
  port = 0;

  private constructor(scripts: ReplayStep[][], options: ReplayOptions) {
    this.#scripts = scripts;
    const handler = (sock: net.Socket) => this.#serve(sock);
    this.#server = options.tls
      ? tls.createServer(
        { key: options.tls.key, cert: options.tls.cert },
        handler,
      )
      : net.createServer(handler);
  }

  static async start(
    scripts: ReplayStep[][],
    options: ReplayOptions = {},
  ): Promise<ReplayServer> {
    const s = new ReplayServer(scripts, options);
    await new Promise<void>((resolve) =>
      s.#server.listen(0, "127.0.0.1", resolve)
    );
    s.port = (s.#server.address() as net.AddressInfo).port;
    return s;
  }

  get url(): string {
    return `tcp://127.0.0.1:${this.port}`;
  }

  /** How many connections were accepted. */
  get connections(): number {
    return this.received.length;
  }

  /** Resolves when every script ran to its end. */
  finished(): Promise<void> {
    if (this.#finished >= this.#scripts.length) return Promise.resolve();
    return new Promise((resolve) => this.#onFinish.push(resolve));
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #serve(sock: net.Socket): void {
    this.#sockets.add(sock);
    sock.on("close", () => this.#sockets.delete(sock));
    sock.on("error", () => {});
    const index = this.received.length;
    this.received.push("");
    const script = this.#scripts[index];
    if (!script) {
      this.errors.push(`connection ${index}: no script for it`);
      sock.destroy();
      return;
    }
    let buffer = "";
    let step = 0;
    let waiting: (() => void) | undefined;
    sock.on("data", (chunk: Uint8Array) => {
      const text = new TextDecoder().decode(chunk);
      this.received[index] += text;
      buffer += text;
      waiting?.();
    });
    sock.on("close", () => waiting?.());
    const nextData = () => new Promise<void>((resolve) => (waiting = resolve));
    const run = async () => {
      for (; step < script.length; step++) {
        const s = script[step]!;
        if ("send" in s) sock.write(s.send);
        else if ("delay" in s) await new Promise((r) => setTimeout(r, s.delay));
        else if ("close" in s) {
          sock.end();
        } else {
          for (;;) {
            if (typeof s.expect === "string") {
              if (
                buffer.length >= s.expect.length ||
                (buffer && !s.expect.startsWith(buffer))
              ) break;
            } else if (buffer.includes("\n")) break;
            if (sock.destroyed) {
              this.errors.push(
                `connection ${index}: closed while expecting ${show(s.expect)}`,
              );
              return;
            }
            await nextData();
          }
          if (typeof s.expect === "string") {
            const got = buffer.slice(0, s.expect.length);
            if (got !== s.expect) {
              this.errors.push(
                `connection ${index}: expected ${show(s.expect)}, got ${
                  show(buffer)
                }`,
              );
              sock.destroy();
              return;
            }
            buffer = buffer.slice(s.expect.length);
          } else {
            const line = buffer.slice(0, buffer.indexOf("\n") + 1);
            if (!s.expect.test(line)) {
              this.errors.push(
                `connection ${index}: ${show(line)} does not match ${s.expect}`,
              );
              sock.destroy();
              return;
            }
            buffer = buffer.slice(line.length);
          }
        }
      }
    };
    run().then(() => {
      this.#finished++;
      if (this.#finished >= this.#scripts.length) {
        this.#onFinish.splice(0).forEach((f) => f());
      }
    });
  }
}

function show(value: string | RegExp): string {
  return typeof value === "string"
    ? JSON.stringify(value.slice(0, 300))
    : String(value);
}

/** The server greeting of a conversation, then the listed exchanges, then END. */
export function scriptOf(
  greeting: string,
  picked: readonly Exchange[],
  end = true,
): ReplayStep[] {
  const steps: ReplayStep[] = [{ send: greeting }];
  for (const ex of picked) {
    steps.push({ expect: ex.send });
    if (ex.reply) steps.push({ send: ex.reply });
  }
  if (end) steps.push({ expect: "END\r\n" }, { close: true });
  return steps;
}

/** Replays a whole recorded connection: greeting, every exchange, END. */
export function replayOf(
  conv: Conversation,
  skip: (ex: Exchange) => boolean = () => false,
): ReplayStep[] {
  const all = exchanges(conv);
  const greeting = all[0]!;
  const rest = all.slice(1).filter((ex) => ex.send !== "END\r\n" && !skip(ex));
  return scriptOf(greeting.reply, rest);
}
