// What the README says about producers: a Client does not reconnect, a Pool does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client, ConnectionClosedError, Pool } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { until } from "./_manager_util.ts";

test("Pool rides out a server restart: the next borrow gets a new connection; a Client stays closed", async () => {
  const server = await FaktoryServer.start();
  const pool = new Pool({ url: server.url, size: 2 });
  const client = await Client.connect(server.url);
  await pool.with((c) => c.push("Before", []));
  await server.stop();
  await until(() => client.closed, 2000, "client closed");
  await assert.rejects(pool.with((c) => c.push("Down", [])));
  await server.start(); // same port, jobs kept
  await assert.rejects(client.push("After", []), ConnectionClosedError);
  await pool.with((c) => c.push("After", []));
  assert.deepEqual(server.queue("default").map((j) => j.jobtype), [
    "Before",
    "After",
  ]);
  await pool.close();
  await server.stop();
});
