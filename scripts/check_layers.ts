// Enforces the architecture: core/ is pure (imports only core/, names no runtime API, timer,
// clock or randomness), no import runs back up the layers (RANKS), only adapters/ name a runtime, only tracing/ imports @opentelemetry/api
// (the optional peer: every other entry point loads without it), no source file exceeds 400
// lines, the JSR and npm manifests have the same name and exports (scripts/check_version.ts
// compares their versions), and tsconfig.json "paths" (how tsx and Bun resolve the package's
// own names in this repository) agree with deno.json "imports".
// Prints every violation and exits non-zero if there is one.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { isMain } from "./_is_main.ts";

function tsFiles(root: string, dir: string): string[] {
  const abs = join(root, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(abs, name);
    if (statSync(path).isDirectory()) {
      return tsFiles(root, relative(root, path));
    }
    return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [path] : [];
  });
}

/** Source without comments and string contents of comments (keeps import specifiers). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(
    /(^|[^:"'`\\])\/\/.*$/gm,
    "$1",
  );
}

function specifiers(text: string): string[] {
  const out: string[] = [];
  for (
    const m of text.matchAll(
      /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g,
    )
  ) out.push(m[1]!);
  return out;
}

const CORE_FORBIDDEN: [RegExp, string][] = [
  [/\bDeno\b/, "the Deno runtime API"],
  [/\bBun\b/, "the Bun runtime API"],
  [/\bprocess\b/, "the process global"],
  [/\brequire\s*\(/, "require()"],
  [
    /\b(setTimeout|setInterval|clearTimeout|clearInterval|setImmediate|queueMicrotask)\b/,
    "a timer",
  ],
  [/\bDate\.now\b|\bnew Date\(\s*\)|\bperformance\b/, "the clock"],
  [/\bMath\.random\b|\bcrypto\b/, "randomness or crypto"],
  [/\bfetch\s*\(|\bWebSocket\b|\bglobalThis\b/, "I/O or globals"],
];

/** The optional peer dependency, and the one room that may import it. */
const OTEL_API = "@opentelemetry/api";
const TRACING = "tracing/";
const ROOMS = [
  "core",
  "adapters",
  "client",
  "worker",
  "server",
  "testing",
  "tracing",
  "dashboard",
  "dev",
];

/**
 * What each room may import besides its own files, lowest layer first: core < adapters <
 * client < worker < server < testing; the dashboard sits on the server (and the client), the
 * command line on the dashboard. core/ and tracing/ have rules of their own (coreProblems,
 * peerProblems); "." is the main entry points, mod.ts and protocol.ts.
 */
const RANKS: Record<string, readonly string[]> = {
  adapters: ["core"],
  client: ["core", "adapters"],
  worker: ["core", "adapters", "client"],
  server: ["core", "adapters"],
  testing: ["core", "adapters", "client", "worker", "server"],
  dashboard: ["core", "adapters", "client", "server"],
  dev: ["core", "adapters", "client", "server", "dashboard"],
  ".": ["core", "adapters", "client", "worker"],
};

interface Source {
  /** The path from the root. */
  rel: string;
  abs: string;
  /** The code, without comments. */
  src: string;
}

/** The published sources: the root entry files and every room. */
function sources(root: string, rooms: readonly string[] = ROOMS): Source[] {
  const files = [
    ...(rooms === ROOMS ? ["mod.ts", "protocol.ts"] : []).map((f) =>
      join(root, f)
    ),
    ...rooms.flatMap((dir) => tsFiles(root, dir)),
  ];
  return files.flatMap((abs) => {
    let text: string;
    try {
      text = readFileSync(abs, "utf8");
    } catch {
      return [];
    }
    return [{ rel: relative(root, abs), abs, src: code(text) }];
  });
}

/** Where a specifier points: a path from the root when relative, else itself. */
function targetOf(root: string, { abs }: Source, spec: string): string {
  return spec.startsWith(".")
    ? relative(root, resolve(dirname(abs), spec))
    : spec;
}

/** Every layering and manifest problem of the checkout at `root`, one line each. */
export function layerProblems(root: string): string[] {
  const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  return [
    ...coreProblems(root),
    ...rankProblems(root),
    ...webStandardProblems(root),
    ...peerProblems(root, deno, pkg),
    ...sizeProblems(root),
    ...manifestProblems(deno, pkg),
    ...pathsProblems(root, deno),
  ];
}

/** core/ imports only core/ and names no runtime API, timer, clock or randomness. */
function coreProblems(root: string): string[] {
  const problems: string[] = [];
  for (const file of sources(root, ["core"])) {
    for (const spec of specifiers(file.src)) {
      if (!targetOf(root, file, spec).startsWith("core/")) {
        problems.push(`${file.rel}: core/ imports ${spec} (outside core/)`);
      }
    }
    file.src.split("\n").forEach((line, i) => {
      const bare = line.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
      for (const [re, what] of CORE_FORBIDDEN) {
        if (re.test(bare)) {
          problems.push(
            `${file.rel}:${i + 1}: core/ names ${what}: ${line.trim()}`,
          );
        }
      }
    });
  }
  return problems;
}

/** No import runs back up the layers: each room imports only the rooms RANKS names. */
function rankProblems(root: string): string[] {
  const problems: string[] = [];
  for (const file of sources(root)) {
    const room = file.rel.includes("/") ? file.rel.split("/")[0]! : ".";
    const allowed = RANKS[room];
    if (!allowed) continue;
    for (const spec of specifiers(file.src)) {
      if (!spec.startsWith(".")) continue;
      const target = targetOf(root, file, spec);
      const to = target.includes("/") ? target.split("/")[0]! : ".";
      // Loading tracing/ is peerProblems' to report.
      if (to === room || allowed.includes(to) || to === "tracing") continue;
      const name = room === "." ? "the main entry" : `${room}/`;
      problems.push(
        `${file.rel}: ${name} imports ${spec}; it may import only ${
          allowed.map((r) => `${r}/`).join(", ")
        } and its own files`,
      );
    }
  }
  return problems;
}

/** Every room but core/ and adapters/ uses web-standard globals; only adapters/ name a runtime. */
function webStandardProblems(root: string): string[] {
  const problems: string[] = [];
  for (const dir of ROOMS.filter((r) => r !== "core" && r !== "adapters")) {
    for (const { rel, src } of sources(root, [dir])) {
      for (const spec of specifiers(src)) {
        // tracing/ has a narrower rule of its own (peerProblems).
        if (dir !== "tracing" && /^(node|npm|bun):/.test(spec)) {
          problems.push(`${rel}: ${dir}/ imports ${spec}; only adapters/ may`);
        }
      }
      src.split("\n").forEach((line, i) => {
        // Words inside a quoted string ("messaging.process.duration") are not code.
        const bare = line.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
        if (/\b(Deno|Bun)\.[a-zA-Z]|\bprocess\.[a-zA-Z]/.test(bare)) {
          problems.push(
            `${rel}:${
              i + 1
            }: ${dir}/ names a runtime API; move it into adapters/: ${line.trim()}`,
          );
        }
      });
    }
  }
  return problems;
}

/**
 * Only tracing/ imports @opentelemetry/api and nothing else loads tracing/, so every other
 * entry point loads without it; tracing/ is built on the main entry and @opentelemetry/api
 * alone; the library imports no other package; both manifests declare the peer.
 */
function peerProblems(
  root: string,
  deno: { imports?: Record<string, string> },
  pkg: {
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  },
): string[] {
  const problems: string[] = [];
  const isApi = (spec: string) =>
    spec === OTEL_API || spec === `npm:${OTEL_API}` ||
    spec.startsWith(`npm:${OTEL_API}@`);
  for (const file of sources(root)) {
    const { rel } = file;
    for (const spec of specifiers(file.src)) {
      const target = targetOf(root, file, spec);
      const local = spec.startsWith(".");
      if (rel.startsWith(TRACING)) {
        if (
          spec !== OTEL_API &&
          !(local && (target === "mod.ts" || target.startsWith(TRACING)))
        ) {
          problems.push(
            `${rel}: tracing/ imports ${spec}; it may import ${OTEL_API}, the package's main entry (../mod.ts) and its own files`,
          );
        }
      } else if (isApi(spec)) {
        problems.push(
          `${rel}: imports ${spec}; only tracing/ may (the other entry points must load without it)`,
        );
      } else if (local && target.startsWith(TRACING)) {
        problems.push(
          `${rel}: imports ${spec}; nothing outside tracing/ may (it needs ${OTEL_API})`,
        );
      } else if (!local && !/^(node|npm|bun):/.test(spec)) {
        problems.push(
          `${rel}: imports the package ${spec}; the library has no dependencies`,
        );
      }
      if (spec !== OTEL_API) continue;
      if (!deno.imports?.[OTEL_API]) {
        problems.push(
          `${rel}: imports ${OTEL_API}, which deno.json "imports" does not map (JSR needs it)`,
        );
      }
      if (
        !pkg.peerDependencies?.[OTEL_API] ||
        pkg.peerDependenciesMeta?.[OTEL_API]?.optional !== true
      ) {
        problems.push(
          `${rel}: imports ${OTEL_API}, which package.json does not list as an optional peer dependency`,
        );
      }
    }
  }
  return problems;
}

/** Files stay small enough to read in one sitting: no source file over 400 lines (tests apart). */
function sizeProblems(root: string): string[] {
  const MAX_LINES = 400;
  const problems: string[] = [];
  for (const dir of [...ROOMS, "scripts", "bench"]) {
    for (const file of tsFiles(root, dir)) {
      const lines = readFileSync(file, "utf8").split("\n").length - 1;
      if (lines > MAX_LINES) {
        problems.push(
          `${relative(root, file)}: ${lines} lines (at most ${MAX_LINES})`,
        );
      }
    }
  }
  return problems;
}

/** The JSR and npm manifests have the same name and the same exports. */
function manifestProblems(
  deno: { name: string; exports: string | Record<string, string> },
  pkg: {
    name: string;
    exports: Record<string, { default?: string; types?: string }>;
  },
): string[] {
  const problems: string[] = [];
  if (deno.name !== pkg.name) {
    problems.push(`name: deno.json ${deno.name} vs package.json ${pkg.name}`);
  }
  const denoExports = typeof deno.exports === "string"
    ? { ".": deno.exports }
    : deno.exports;
  const pkgExports = pkg.exports;
  const keys = (o: object) =>
    Object.keys(o).filter((k) => k !== "./package.json").sort().join(", ");
  if (keys(denoExports) !== keys(pkgExports)) {
    problems.push(
      `exports: deno.json has [${keys(denoExports)}], package.json has [${
        keys(pkgExports)
      }]`,
    );
  }
  for (const [key, source] of Object.entries(denoExports)) {
    const js = source.replace(/^\.\//, "./dist/").replace(/\.ts$/, ".js");
    const dts = js.replace(/\.js$/, ".d.ts");
    const entry = pkgExports[key];
    if (entry && (entry.default !== js || entry.types !== dts)) {
      problems.push(
        `exports["${key}"]: deno.json ${source} should map to ${js} and ${dts} in package.json`,
      );
    }
  }
  return problems;
}

/**
 * tsconfig.json "paths" map the package's own names to the files deno.json "imports" does, so
 * the repository resolves them the same with tsx and Bun as on Deno.
 */
function pathsProblems(
  root: string,
  deno: { name: string; imports?: Record<string, string> },
): string[] {
  const problems: string[] = [];
  let paths: Record<string, string[]> = {};
  try {
    paths = JSON.parse(readFileSync(join(root, "tsconfig.json"), "utf8"))
      .compilerOptions?.paths ?? {};
  } catch {
    // No tsconfig.json: every name is missing.
  }
  const own = (name: string) =>
    name === deno.name || name.startsWith(`${deno.name}/`);
  const norm = (path: string) => `./${path.replace(/^\.\//, "")}`;
  for (const [name, target] of Object.entries(deno.imports ?? {})) {
    if (!own(name)) continue;
    const mapped = paths[name];
    if (!mapped) {
      problems.push(
        `tsconfig.json paths: "${name}" is missing (deno.json imports maps it to ${target})`,
      );
    } else if (mapped.length !== 1 || norm(mapped[0]!) !== norm(target)) {
      problems.push(
        `tsconfig.json paths: "${name}" maps to ${
          mapped.join(", ")
        }, deno.json imports to ${target}`,
      );
    }
  }
  for (const name of Object.keys(paths).filter(own)) {
    if (!deno.imports?.[name]) {
      problems.push(
        `tsconfig.json paths: "${name}" is not in deno.json imports`,
      );
    }
  }
  return problems;
}

function main(): void {
  const problems = layerProblems(resolve(import.meta.dirname ?? ".", ".."));
  if (problems.length > 0) {
    console.error(problems.map((p) => `- ${p}`).join("\n"));
    console.error(`${problems.length} layering/manifest problem(s)`);
    process.exit(1);
  }
  console.log("layers and manifests: ok");
}

if (isMain(import.meta.url)) main();
