// A consumer of the published package, as a user writes it: starts the embedded server from
// the testing entry, pushes typed jobs, runs a Manager until they are done, and stops. The
// package check compiles it for plain `node`, runs it with `bun run`, type-checks it with tsc,
// and runs it on Deno with jsr: specifiers. Its `@ts-expect-error` lines check the emitted types.
import { Client, defineJob, type JobContext, Manager } from "@x/faktory-worker";
import { FaktoryServer } from "@x/faktory-worker/testing";

const Square = defineJob<[n: number]>("Square");

/**
 * Never called: the package's emitted types must refuse a typed job's
 * arguments swapped or with one too many (tsc fails on an unused
 * `@ts-expect-error`).
 */
export async function typedPushes(c: Client): Promise<void> {
  const SendEmail = defineJob<[to: string, count: number]>("SendEmail");
  await c.push(SendEmail, ["a@example.com", 3]);
  // @ts-expect-error: the arguments swapped
  await c.push(SendEmail, [3, "a@example.com"]);
  // @ts-expect-error: an extra argument
  await c.push(SendEmail, ["a@example.com", 3, true]);
}
const server = await FaktoryServer.start();
const client = await Client.connect(server.url);
await client.pushBulk(
  Array.from({ length: 100 }, (_, n) => Square.create([n])),
);

const mgr = new Manager({
  url: server.url,
  concurrency: 10,
  logLevel: "warn",
  handleSignals: false,
});
let sum = 0;
let done = 0;
mgr.register(Square, (_ctx: JobContext, n) => {
  sum += n * n;
  if (++done === 100) void mgr.stop();
});
await mgr.run();
await client.close();
await server.stop();
if (sum !== 328350) throw new Error(`wrong sum ${sum}`);
console.log(`package ok: ${done} jobs`);
