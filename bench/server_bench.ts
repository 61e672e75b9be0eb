// Throughput of the embedded server: PUSH (one at a time, and pipelined) and FETCH+ACK per second through 1 and 10
// connections. The server runs in its own process (same runtime), the clients here.
// Usage: <runtime> bench/server_bench.ts [jobs]      (npm run bench runs it on all three)
import process from "node:process";
import { Client, createJob, detectRuntime } from "../mod.ts";
import { serveInChild } from "./_serve.ts";

const total = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 20000);
const runtime = detectRuntime();
const server = await serveInChild();
const url = server.url;

const rate = async (
  label: string,
  conns: number,
  fn: (c: Client, n: number) => Promise<void>,
) => {
  const clients = await Promise.all(
    Array.from(
      { length: conns },
      (_, i) => Client.connect({ url, wid: `bench-${i}` }),
    ),
  );
  const each = Math.floor(total / conns);
  const started = performance.now();
  await Promise.all(clients.map((c) => fn(c, each)));
  const secs = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.close()));
  const perSec = Math.round((each * conns) / secs);
  console.log(
    `${runtime.padEnd(5)} ${label.padEnd(10)} ${
      String(conns).padStart(2)
    } conn  ${String(perSec).padStart(7)} /s`,
  );
};

const fill = async (queue: string) => {
  const c = await Client.connect(url);
  for (let i = 0; i < total; i += 1000) {
    await c.pushBulk(
      Array.from(
        { length: Math.min(1000, total - i) },
        () => createJob("Noop", [], { queue }),
      ),
    );
  }
  await c.close();
};

for (const conns of [1, 10]) {
  await rate("PUSH", conns, async (c, n) => {
    for (let i = 0; i < n; i++) {
      await c.push("Noop", [i], { queue: `push-${conns}` });
    }
  });
}
// Pipelined: a thousand PUSHes in flight on one connection, which the server
// runs in slices (yielding to other connections) once a slice runs long.
await rate("PUSH piped", 1, async (c, n) => {
  for (let i = 0; i < n; i += 1000) {
    await Promise.all(
      Array.from(
        { length: Math.min(1000, n - i) },
        (_, k) => c.push("Noop", [i + k], { queue: "push-piped" }),
      ),
    );
  }
});
for (const conns of [1, 10]) {
  await fill(`work-${conns}`);
  await rate("FETCH+ACK", conns, async (c, n) => {
    for (let i = 0; i < n; i++) {
      const job = await c.fetch([`work-${conns}`]);
      if (!job) throw new Error("queue ran dry");
      await c.ack(job.jid);
    }
  });
}
await server.stop();
