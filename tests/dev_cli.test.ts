// `faktory-worker dev` as a separate process on the runtime running the
// tests: Node and Bun run the npm program (dev/bin.ts), Deno runs the JSR
// module (dev/mod.ts) with --allow-net only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as net from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Client } from "../mod.ts";
import { root, runtime } from "./_spawn.ts";

interface Cli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** Resolves with the first match of `re` in stdout. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpExecArray>;
}

function cli(args: string[]): Cli {
  const command = runtime === "deno"
    ? [
      "run",
      "--allow-net",
      ...(args.includes("--data") ? ["--allow-read", "--allow-write"] : []),
      "dev/mod.ts",
      ...args,
    ]
    : runtime === "bun"
    ? ["dev/bin.ts", "dev", ...args]
    : ["--import", "tsx", "dev/bin.ts", "dev", ...args];
  const env: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: "1",
  };
  delete env.FAKTORY_PASSWORD;
  const child = spawn(process.execPath, command, {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const waiters: (() => void)[] = [];
  child.stdout!.on("data", (d) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code))
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(re, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no ${re} in ${JSON.stringify(out + err)}`));
        }, ms);
        const check = () => {
          const m = re.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          } else if (child.exitCode !== null) {
            clearTimeout(timer);
            reject(new Error(`exited: ${JSON.stringify(out + err)}`));
          } else waiters.push(check);
        };
        exited.then(() => waiters.push(check)).then(check);
        check();
      });
    },
  };
}

/** Runs the command to its end (it must end by itself) and returns what it said. */
async function ended(args: string[]) {
  const c = cli(args);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const code = await Promise.race([
    c.exited,
    new Promise<"hung">((r) => (timer = setTimeout(() => r("hung"), 20_000))),
  ]);
  clearTimeout(timer);
  if (code === "hung") c.child.kill("SIGKILL");
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

/** A one-line error on stderr, exit code 2, nothing else. */
function oneLineError(r: Awaited<ReturnType<typeof ended>>, re: RegExp) {
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.equal(r.stdout, "");
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, re);
  assert.doesNotMatch(r.stderr, /\bat\s.*:\d+|Error:/); // no stack trace
}

async function stopsCleanly(c: Cli, signal: "SIGINT" | "SIGTERM") {
  // process.kill: Deno's child_process reports no exit code for a child
  // it was asked to signal itself.
  process.kill(c.child.pid!, signal);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const code = await Promise.race([
    c.exited,
    new Promise<"hung">((r) => (timer = setTimeout(() => r("hung"), 10_000))),
  ]);
  clearTimeout(timer);
  if (code === "hung") c.child.kill("SIGKILL");
  assert.equal(code, 0, c.stdout() + c.stderr());
  assert.match(c.stdout(), /\nStopping\n(.*\n)*Stopped\n$/);
  assert.equal(c.stderr(), "");
}

function takenPort(): Promise<net.Server & { port: number }> {
  const server = net.createServer();
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve(Object.assign(server, {
        port: (server.address() as net.AddressInfo).port,
      })))
  );
}

test("faktory-worker dev serves Faktory and the dashboard, logs connections, and stops on Ctrl-C", async () => {
  const c = cli(["--port", "0", "--web-port", "0"]);
  const [, port] = await c.waitFor(/on tcp:\/\/127\.0\.0\.1:(\d+)\n/);
  const [, webPort] = await c.waitFor(
    /Dashboard on http:\/\/127\.0\.0\.1:(\d+)\/\n/,
  );
  const client = await Client.connect({
    url: `tcp://127.0.0.1:${port}`,
    wid: "cli-test-w1",
  });
  await client.push("FromTest", [1], { queue: "cli" });
  await c.waitFor(
    /\d\d:\d\d:\d\d worker cli-test-w1 connected from .* pid \d+\n/,
  );
  await c.waitFor(/\d\d:\d\d:\d\d connection opened \(1 open\)\n/);
  const res = await fetch(`http://127.0.0.1:${webPort}/queues`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /href="\/queues\/cli"/);
  await client.close();
  await c.waitFor(/connection closed \(0 open\)\n/);
  await stopsCleanly(c, "SIGINT");
  // Deno runs it with --allow-net only: it says why no password was read.
  const unread =
    /\nNo password: FAKTORY_PASSWORD was not read \(Deno needs --allow-env=FAKTORY_PASSWORD\)\n/;
  if (runtime === "deno") assert.match(c.stdout(), unread);
  else assert.doesNotMatch(c.stdout(), /FAKTORY_PASSWORD/);
});

test("faktory-worker dev stops on SIGTERM, and --password guards both ports", async () => {
  const c = cli(["--port", "0", "--web-port", "0", "--password", "pw1"]);
  const [, port] = await c.waitFor(/on tcp:\/\/:\*\*\*@127\.0\.0\.1:(\d+)\n/);
  const [, webPort] = await c.waitFor(
    /Dashboard on http:\/\/127\.0\.0\.1:(\d+)\//,
  );
  const url = `http://127.0.0.1:${webPort}/`;
  assert.equal((await fetch(url)).status, 401);
  const ok = await fetch(url, {
    headers: { authorization: `Basic ${btoa("me:pw1")}` },
  });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  await assert.rejects(Client.connect(`tcp://127.0.0.1:${port}`));
  const client = await Client.connect(`tcp://:pw1@127.0.0.1:${port}`);
  await client.close();
  assert.doesNotMatch(c.stdout(), /pw1/);
  await stopsCleanly(c, "SIGTERM");
});

test("faktory-worker dev: a taken port is one line and exit code 2", async () => {
  const taken = await takenPort();
  try {
    oneLineError(
      await ended(["--port", String(taken.port), "--web-port", "0"]),
      /^faktory-worker dev: Faktory port \d+ on 127\.0\.0\.1 is already in use/,
    );
    oneLineError(
      await ended(["--port", "0", "--web-port", String(taken.port)]),
      /^faktory-worker dev: dashboard port \d+ on 127\.0\.0\.1 is already in use \(choose another with --web-port\)$/,
    );
  } finally {
    await new Promise((r) => taken.close(r));
  }
});

test("faktory-worker dev: a bad flag or --bind without a password is one line and exit code 2", async () => {
  oneLineError(
    await ended(["--bogus"]),
    /unknown option "--bogus" \(see --help\)$/,
  );
  oneLineError(
    await ended(["--port", "99999"]),
    /--port must be a port number/,
  );
  oneLineError(await ended(["--bind", "0.0.0.0"]), /set a password/);
  const help = await ended(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: faktory-worker dev \[options\]/);
});

test("faktory-worker dev --data keeps the jobs across a restart; a damaged file stops the start and is left untouched", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dev-data-"));
  const file = join(dir, "faktory.json");
  const started: Cli[] = [];
  const run = (args: string[]) => {
    const c = cli(args);
    started.push(c);
    return c;
  };
  try {
    const first = run(["--port", "0", "--web-port", "0", "--data", file]);
    const [, port] = await first.waitFor(/on tcp:\/\/127\.0\.0\.1:(\d+)\n/);
    const client = await Client.connect(`tcp://127.0.0.1:${port}`);
    const jid = await client.push("Kept", [1], { queue: "kept" });
    await client.close();
    await stopsCleanly(first, "SIGINT");

    const second = run(["--port", "0", "--web-port", "0", "--data", file]);
    const [, port2] = await second.waitFor(
      /on tcp:\/\/127\.0\.0\.1:(\d+)\n/,
    );
    const again = await Client.connect(`tcp://127.0.0.1:${port2}`);
    assert.equal((await again.fetch(["kept"]))?.jid, jid);
    await again.close();
    await stopsCleanly(second, "SIGTERM");

    const damaged = readFileSync(file, "utf8").slice(0, 40);
    writeFileSync(file, damaged);
    oneLineError(
      await ended(["--port", "0", "--web-port", "0", "--data", file]),
      /^faktory-worker dev: .*faktory\.json/,
    );
    assert.equal(readFileSync(file, "utf8"), damaged);
  } finally {
    for (const c of started) if (c.child.exitCode === null) c.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
