// Shared helpers for the tests of the embedded server's Enterprise mode: raw commands with
// exact replies, a worker client, and a server on the hand-driven clock.
import assert from "node:assert/strict";
import { Client } from "../mod.ts";
import type { ParsedReply as Reply } from "../protocol.ts";
import type { FaktoryServer, FaktoryServerOptions } from "../testing/mod.ts";
import { RawConn } from "./_fidelity.ts";
import { withServer } from "./_seeded.ts";

/** A producer connection that sends one line at a time and returns the parsed reply. */
export interface Raw {
  send(line: string): Promise<Reply>;
  /** Sends a line and returns the text of a bulk reply (fails on any other reply). */
  bulk(line: string): Promise<string>;
  close(): void;
}

export async function raw(server: FaktoryServer): Promise<Raw> {
  const conn = await RawConn.open(server.port);
  await conn.take(1);
  conn.write('HELLO {"v":2}\r\n');
  await conn.take(1);
  const send = async (line: string) => {
    conn.write(`${line}\r\n`);
    const [reply] = await conn.take(1);
    assert.ok(reply, `no reply to ${line}`);
    return reply;
  };
  return {
    send,
    async bulk(line) {
      const reply = await send(line);
      assert.equal(reply.type, "bulk", `${line} -> ${JSON.stringify(reply)}`);
      return (reply as { value: string }).value;
    },
    close: () => conn.close(),
  };
}

/** `-ERR message` as the reply parser gives it. */
export const err = (message: string): Reply => ({
  type: "error",
  code: "ERR",
  message,
});

export const OK: Reply = { type: "simple", value: "OK" };

/** A worker connection (it has a wid, so it may FETCH, ACK and FAIL). */
export function worker(
  server: FaktoryServer,
  wid = "w-ent-0001",
): Promise<Client> {
  return Client.connect({ url: server.url, wid, labels: ["test"] });
}

/**
 * {@linkcode withServer} with Enterprise on and a long FETCH wait (tests that expect no job
 * pass a short one), and a producer client and a worker client that are closed afterwards.
 */
export function withEnterprise(
  options: FaktoryServerOptions,
  fn: (
    s: { server: FaktoryServer; clock: { now: number }; c: Client; w: Client },
  ) => Promise<void>,
): Promise<FaktoryServer> {
  return withServer({ enterprise: true, ...options }, async (server, clock) => {
    const c = await Client.connect(server.url);
    const w = await worker(server);
    try {
      await fn({ server, clock, c, w });
    } finally {
      await Promise.all([c.close(), w.close()]);
    }
  });
}
