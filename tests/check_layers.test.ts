// scripts/check_layers.ts on this checkout and on small trees that break one rule each: no
// import runs back up the layers, only tracing/ may import @opentelemetry/api, and nothing else
// may load tracing/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { layerProblems } from "../scripts/check_layers.ts";

const OTEL = "npm:@opentelemetry/api@^1.9.0";

/** A checkout that follows every rule: the main entry, each room, and the tracing room. */
const CLEAN: Record<string, string> = {
  "mod.ts": 'export { Client } from "./client/client.ts";\n',
  "protocol.ts": 'export * from "./core/resp.ts";\n',
  "core/resp.ts": "export const CRLF = '\\r\\n';\n",
  "adapters/node.ts":
    'import { connect } from "node:net";\nexport { connect };\n',
  "client/client.ts":
    'import { CRLF } from "../core/resp.ts";\nexport class Client {\n  crlf = CRLF;\n}\n',
  "worker/manager.ts":
    'import { Client } from "../client/client.ts";\nexport class Manager {\n  client?: Client;\n}\n',
  "server/server.ts":
    'import { CRLF } from "../core/resp.ts";\nexport class FaktoryServer {\n  crlf = CRLF;\n}\n',
  "testing/mod.ts": 'export { CRLF } from "../core/resp.ts";\n',
  "dashboard/dashboard.ts":
    'import type { FaktoryServer } from "../server/server.ts";\nexport const dashboard = (s: FaktoryServer) => s;\n',
  "dev/cli.ts":
    'import { dashboard } from "../dashboard/dashboard.ts";\nimport { FaktoryServer } from "../server/server.ts";\nexport const main = () => dashboard(new FaktoryServer());\n',
  "tracing/mod.ts": [
    'import { type Tracer, trace } from "@opentelemetry/api";',
    'import type { Client } from "../mod.ts";',
    "export const tracer = (t: Tracer = trace.getTracer('x'), _c?: Client): Tracer => t;",
    "",
  ].join("\n"),
  "deno.json": JSON.stringify({
    name: "@x/faktory-worker",
    exports: { ".": "./mod.ts", "./tracing": "./tracing/mod.ts" },
    imports: {
      "@x/faktory-worker": "./mod.ts",
      "@x/faktory-worker/tracing": "./tracing/mod.ts",
      "@opentelemetry/api": OTEL,
    },
  }),
  "package.json": JSON.stringify({
    name: "@x/faktory-worker",
    exports: {
      ".": { types: "./dist/mod.d.ts", default: "./dist/mod.js" },
      "./tracing": {
        types: "./dist/tracing/mod.d.ts",
        default: "./dist/tracing/mod.js",
      },
    },
    peerDependencies: { "@opentelemetry/api": "^1.9.0" },
    peerDependenciesMeta: { "@opentelemetry/api": { optional: true } },
  }),
  "tsconfig.json": JSON.stringify({
    compilerOptions: {
      paths: {
        "@x/faktory-worker": ["./mod.ts"],
        "@x/faktory-worker/tracing": ["./tracing/mod.ts"],
      },
    },
  }),
};

/** The problems of CLEAN with `changes` applied (a file's new text, or null to delete it). */
function problemsWith(changes: Record<string, string | null>): string[] {
  const root = mkdtempSync(join(tmpdir(), "faktory-layers-"));
  try {
    for (const [name, text] of Object.entries({ ...CLEAN, ...changes })) {
      if (text === null) continue;
      mkdirSync(dirname(join(root, name)), { recursive: true });
      writeFileSync(join(root, name), text);
    }
    return layerProblems(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const importOtel = 'import { trace } from "@opentelemetry/api";\n';

test("layerProblems() finds nothing wrong in this checkout", () => {
  assert.deepEqual(
    layerProblems(fileURLToPath(new URL("../", import.meta.url))),
    [],
  );
});

test("layerProblems() accepts @opentelemetry/api imported by tracing/ alone", () => {
  assert.deepEqual(problemsWith({}), []);
});

for (
  const file of [
    "mod.ts",
    "protocol.ts",
    "core/resp.ts",
    "client/client.ts",
    "worker/manager.ts",
    "testing/mod.ts",
    "adapters/node.ts",
  ]
) {
  test(`layerProblems() reports @opentelemetry/api imported by ${file}`, () => {
    const problems = problemsWith({
      [file]: `${importOtel}${CLEAN[file]}export const t = trace;\n`,
    });
    assert.ok(
      problems.some((p) =>
        p ===
          `${file}: imports @opentelemetry/api; only tracing/ may (the other entry points must load without it)`
      ),
      problems.join("\n"),
    );
  });
}

test("layerProblems() reports a type-only, a dynamic and an npm: import of @opentelemetry/api outside tracing/", () => {
  const problems = problemsWith({
    "worker/manager.ts": `import type { Tracer } from "@opentelemetry/api";\n${
      CLEAN["worker/manager.ts"]
    }export type T = Tracer;\n`,
    "client/client.ts": `${
      CLEAN["client/client.ts"]
    }export const api = () => import("@opentelemetry/api");\n`,
    "testing/mod.ts": `import { trace } from "${OTEL}";\n${
      CLEAN["testing/mod.ts"]
    }export const t = trace;\n`,
  });
  for (
    const [file, spec] of [
      ["worker/manager.ts", "@opentelemetry/api"],
      ["client/client.ts", "@opentelemetry/api"],
      ["testing/mod.ts", OTEL],
    ]
  ) {
    assert.ok(
      problems.includes(
        `${file}: imports ${spec}; only tracing/ may (the other entry points must load without it)`,
      ),
      problems.join("\n"),
    );
  }
});

test("layerProblems() reports the main entry loading tracing/ (and so @opentelemetry/api)", () => {
  const problems = problemsWith({
    "mod.ts": `${CLEAN["mod.ts"]}export * from "./tracing/mod.ts";\n`,
  });
  assert.ok(
    problems.includes(
      "mod.ts: imports ./tracing/mod.ts; nothing outside tracing/ may (it needs @opentelemetry/api)",
    ),
    problems.join("\n"),
  );
});

test("layerProblems() reports tracing/ importing another package, a runtime API or the package's insides", () => {
  const problems = problemsWith({
    "tracing/mod.ts": [
      CLEAN["tracing/mod.ts"],
      'import { W3CTraceContextPropagator } from "@opentelemetry/core";',
      'import process from "node:process";',
      'import { Client as C } from "../client/client.ts";',
      "export const p = [W3CTraceContextPropagator, process, C];",
      "",
    ].join("\n"),
  });
  assert.deepEqual(
    problems.filter((p) => p.startsWith("tracing/")),
    [
      "tracing/mod.ts: tracing/ imports @opentelemetry/core; it may import @opentelemetry/api, the package's main entry (../mod.ts) and its own files",
      "tracing/mod.ts: tracing/ imports node:process; it may import @opentelemetry/api, the package's main entry (../mod.ts) and its own files",
      "tracing/mod.ts: tracing/ imports ../client/client.ts; it may import @opentelemetry/api, the package's main entry (../mod.ts) and its own files",
    ],
  );
});

test("layerProblems() reports @opentelemetry/api missing from deno.json imports or not an optional peer", () => {
  const deno = JSON.parse(CLEAN["deno.json"]!);
  delete deno.imports["@opentelemetry/api"];
  const pkg = JSON.parse(CLEAN["package.json"]!);
  delete pkg.peerDependenciesMeta;
  assert.deepEqual(
    problemsWith({
      "deno.json": JSON.stringify(deno),
      "package.json": JSON.stringify(pkg),
    }),
    [
      'tracing/mod.ts: imports @opentelemetry/api, which deno.json "imports" does not map (JSR needs it)',
      "tracing/mod.ts: imports @opentelemetry/api, which package.json does not list as an optional peer dependency",
    ],
  );
});

test("layerProblems() reports tsconfig.json paths that disagree with deno.json imports", () => {
  assert.deepEqual(
    problemsWith({
      "tsconfig.json": JSON.stringify({
        compilerOptions: {
          paths: { "@x/faktory-worker": ["./mod.ts"] },
        },
      }),
    }),
    [
      'tsconfig.json paths: "@x/faktory-worker/tracing" is missing (deno.json imports maps it to ./tracing/mod.ts)',
    ],
  );
});

test("layerProblems() reports a runtime API named in worker/ code, not a word inside a string", () => {
  const problems = problemsWith({
    "worker/names.ts": [
      'export const METRIC = "messaging.process.duration";',
      "export const single = 'Deno.serve and Bun.serve are runtime APIs';",
      "export const pid = () => process.pid;",
      "",
    ].join("\n"),
  });
  assert.deepEqual(problems, [
    "worker/names.ts:3: worker/ names a runtime API; move it into adapters/: export const pid = () => process.pid;",
  ]);
});

test("layerProblems() reports an import that runs back up the layers, or across to a sibling", () => {
  const problems = problemsWith({
    "client/client.ts":
      `import type { Manager } from "../worker/manager.ts";\n${
        CLEAN["client/client.ts"]
      }export type M = Manager;\n`,
    "server/server.ts": `import { Client } from "../client/client.ts";\n${
      CLEAN["server/server.ts"]
    }export const c = Client;\n`,
    "dashboard/dashboard.ts": `export * from "../testing/mod.ts";\n${
      CLEAN["dashboard/dashboard.ts"]
    }`,
    "worker/manager.ts": `${
      CLEAN["worker/manager.ts"]
    }export const cli = () => import("../dev/cli.ts");\n`,
    "mod.ts": `${CLEAN["mod.ts"]}export * from "./server/server.ts";\n`,
  });
  const only = (rooms: string) =>
    `it may import only ${rooms} and its own files`;
  assert.deepEqual(problems, [
    `mod.ts: the main entry imports ./server/server.ts; ${
      only("core/, adapters/, client/, worker/")
    }`,
    `client/client.ts: client/ imports ../worker/manager.ts; ${
      only("core/, adapters/")
    }`,
    `worker/manager.ts: worker/ imports ../dev/cli.ts; ${
      only("core/, adapters/, client/")
    }`,
    `server/server.ts: server/ imports ../client/client.ts; ${
      only("core/, adapters/")
    }`,
    `dashboard/dashboard.ts: dashboard/ imports ../testing/mod.ts; ${
      only("core/, adapters/, client/, server/")
    }`,
  ]);
});
