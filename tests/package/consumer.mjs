// The same consumer in plain JavaScript, run with `node` and no loader: the embedded server
// from the testing entry, jobs pushed, a Manager that runs them, then everything stopped.
import { Client, defineJob, Manager } from "@x/faktory-worker";
import { FaktoryServer } from "@x/faktory-worker/testing";

const Square = defineJob("Square");
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
mgr.register(Square, (_ctx, n) => {
  sum += n * n;
  if (++done === 100) void mgr.stop();
});
await mgr.run();
await client.close();
await server.stop();
if (sum !== 328350) throw new Error(`wrong sum ${sum}`);
console.log(`package ok: ${done} jobs`);
