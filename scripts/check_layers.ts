// Enforces the architecture: core/ is pure (imports only core/, names no runtime API, timer,
// clock or randomness), only adapters/ name a runtime (client/, worker/, testing/ and dev/ do not), no source file exceeds 400 lines, and
// the JSR and npm manifests have the same name and exports (scripts/check_version.ts compares
// their versions).
// Prints every violation and exits non-zero if there is one.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";

const root = resolve(import.meta.dirname ?? ".", "..");
const problems: string[] = [];

function tsFiles(dir: string): string[] {
  const abs = join(root, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(abs, name);
    if (statSync(path).isDirectory()) return tsFiles(relative(root, path));
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

for (const file of tsFiles("core")) {
  const rel = relative(root, file);
  const src = code(readFileSync(file, "utf8"));
  for (const spec of specifiers(src)) {
    const target = spec.startsWith(".")
      ? relative(root, resolve(dirname(file), spec))
      : spec;
    if (!target.startsWith("core/")) {
      problems.push(`${rel}: core/ imports ${spec} (outside core/)`);
    }
  }
  src.split("\n").forEach((line, i) => {
    const bare = line.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
    for (const [re, what] of CORE_FORBIDDEN) {
      if (re.test(bare)) {
        problems.push(`${rel}:${i + 1}: core/ names ${what}: ${line.trim()}`);
      }
    }
  });
}

for (const dir of ["client", "worker", "testing", "dev"]) {
  for (const file of tsFiles(dir)) {
    const rel = relative(root, file);
    const src = code(readFileSync(file, "utf8"));
    for (const spec of specifiers(src)) {
      if (
        spec.startsWith("node:") || spec.startsWith("npm:") ||
        spec.startsWith("bun:")
      ) {
        problems.push(`${rel}: ${dir}/ imports ${spec}; only adapters/ may`);
      }
    }
    src.split("\n").forEach((line, i) => {
      if (/\b(Deno|Bun)\.[a-zA-Z]|\bprocess\.[a-zA-Z]/.test(line)) {
        problems.push(
          `${rel}:${
            i + 1
          }: ${dir}/ names a runtime API; move it into adapters/: ${line.trim()}`,
        );
      }
    });
  }
}

// Files stay small enough to read in one sitting: no source file over 400 lines (tests apart).
const MAX_LINES = 400;
for (
  const dir of [
    "core",
    "adapters",
    "client",
    "worker",
    "testing",
    "dev",
    "scripts",
    "bench",
  ]
) {
  for (const file of tsFiles(dir)) {
    const lines = readFileSync(file, "utf8").split("\n").length - 1;
    if (lines > MAX_LINES) {
      problems.push(
        `${relative(root, file)}: ${lines} lines (at most ${MAX_LINES})`,
      );
    }
  }
}

const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
if (deno.name !== pkg.name) {
  problems.push(`name: deno.json ${deno.name} vs package.json ${pkg.name}`);
}
const denoExports: Record<string, string> = typeof deno.exports === "string"
  ? { ".": deno.exports }
  : deno.exports;
const pkgExports: Record<string, { default?: string; types?: string }> =
  pkg.exports;
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

if (problems.length > 0) {
  console.error(problems.map((p) => `- ${p}`).join("\n"));
  console.error(`${problems.length} layering/manifest problem(s)`);
  process.exit(1);
}
console.log("layers and manifests: ok");
