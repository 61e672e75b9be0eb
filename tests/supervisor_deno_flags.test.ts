// The children's Deno flags checked before any child starts: flags that do not let a child read
// the environment variables it needs (its slot, the server's URL) fail run() at once with one
// error naming the variables and the flag to add, instead of children that crash in a loop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { envDenied } from "../adapters/_deno_flags.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { exitWithin, runtime, start, writeScript } from "./_spawn.ts";

const NEEDS = ["FAKTORY_WORKER_INDEX", "FAKTORY_URL"];

test("envDenied() lists the variables Deno flags do not let a program read", () => {
  assert.deepEqual(envDenied(["-A"], NEEDS), []);
  assert.deepEqual(envDenied(["--allow-all"], NEEDS), []);
  assert.deepEqual(envDenied(["--allow-env"], NEEDS), []);
  assert.deepEqual(envDenied(["-E"], NEEDS), []);
  assert.deepEqual(envDenied(["--allow-net"], NEEDS), NEEDS);
  assert.deepEqual(envDenied([], NEEDS), NEEDS);
  assert.deepEqual(
    envDenied(["--allow-env=FAKTORY_URL,HOME"], NEEDS),
    ["FAKTORY_WORKER_INDEX"],
  );
  assert.deepEqual(
    envDenied(["--allow-env=FAKTORY_URL", "-E=FAKTORY_WORKER_INDEX"], NEEDS),
    [],
    "repeated flags add up",
  );
  assert.deepEqual(envDenied(["--allow-env=FAKTORY_*"], NEEDS), []);
  assert.deepEqual(envDenied(["--allow-env=FAKTORY_W*"], NEEDS), [
    "FAKTORY_URL",
  ]);
  assert.deepEqual(
    envDenied(["-A", "--deny-env=FAKTORY_URL"], NEEDS),
    ["FAKTORY_URL"],
    "a denial wins",
  );
  assert.deepEqual(envDenied(["--allow-env", "--deny-env"], NEEDS), NEEDS);
  assert.equal(
    envDenied(["-P"], NEEDS),
    undefined,
    "a permission set from the config file: unknown",
  );
  assert.equal(envDenied(["--permission-set=worker"], NEEDS), undefined);
});

test(
  "processes: 2 on Deno: FAKTORY_DENO_FLAGS without the env permission the children need fails run() at once, naming the variables and the flag, and starts no child",
  { skip: runtime !== "deno" && "Deno permissions concern Deno only" },
  async () => {
    const server = await FaktoryServer.start({ fetchTimeout: 300 });
    const file = writeScript(
      "procs-deno-env",
      `import process from "node:process";
import { Manager } from "@x/faktory-worker";
const mgr = new Manager({ processes: 2, restart: { initial: 50, max: 100 } });
mgr.register("Work", () => {});
await mgr.run();
process.exit(0);
`,
    );
    const cases: [string, RegExp][] = [
      [
        "--allow-env=FAKTORY_URL,FAKTORY_PROVIDER",
        /LocalProtocolError: FAKTORY_DENO_FLAGS does not let the children read FAKTORY_WORKER_INDEX: add --allow-env=FAKTORY_WORKER_INDEX to FAKTORY_DENO_FLAGS/,
      ],
      [
        "--allow-env=FAKTORY_WORKER_INDEX",
        /LocalProtocolError: FAKTORY_DENO_FLAGS does not let the children read FAKTORY_URL, FAKTORY_PROVIDER: add --allow-env=FAKTORY_URL,FAKTORY_PROVIDER to FAKTORY_DENO_FLAGS/,
      ],
    ];
    try {
      for (const [env, message] of cases) {
        const w = start(file, {
          FAKTORY_URL: server.url,
          FAKTORY_DENO_FLAGS: `--allow-net=127.0.0.1 ${env} --no-prompt`,
        }, ["-A"]);
        try {
          assert.equal(await exitWithin(w, 20_000), 1, w.output());
          assert.match(w.output(), message);
          assert.doesNotMatch(w.output(), /Process started/);
          assert.equal(server.workers().length, 0);
        } finally {
          w.child.kill("SIGKILL");
        }
      }
    } finally {
      rmSync(file, { force: true });
      await server.stop();
    }
  },
);
