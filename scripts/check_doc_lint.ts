// `deno doc --lint` on every entry point of deno.json "exports". One exception: a public
// signature may name a type imported from a peer dependency (the tracing entry takes an
// OpenTelemetry `Tracer`). That type is its own package's public API, but with node_modules
// "manual" Deno sees it as a local file and reports it as a private type; such reports are
// dropped, every other diagnostic fails the check.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";

const root = resolve(import.meta.dirname ?? ".", "..");
const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const entries: string[] = Object.values(
  typeof deno.exports === "string" ? { ".": deno.exports } : deno.exports,
);

/** The published .ts files (deno.json "publish.include"), tests apart. */
function published(path: string): string[] {
  const abs = join(root, path);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    return [];
  }
  if (!isDir) return path.endsWith(".ts") ? [path] : [];
  return readdirSync(abs).flatMap((name) => published(join(path, name)))
    .filter((f) => !f.endsWith(".test.ts"));
}

/** The names the published sources import from a peer dependency. */
const peers = new Set(Object.keys(pkg.peerDependencies ?? {}));
const peerTypes = new Set<string>();
for (const file of deno.publish.include.flatMap(published)) {
  const src = readFileSync(join(root, file), "utf8");
  for (
    const [, names, spec] of src.matchAll(
      /\bimport\s+(?:type\s+)?\{([^}]*)\}\s*from\s*["']([^"']+)["']/g,
    )
  ) {
    if (!peers.has(spec!)) continue;
    for (const name of names!.split(",")) {
      const local = name.trim().replace(/^type\s+/, "").split(/\s+as\s+/)
        .pop();
      if (local) peerTypes.add(local);
    }
  }
}

const r = spawnSync(
  join(root, "node_modules", ".bin", "deno"),
  ["doc", "--lint", ...entries],
  {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  },
);
const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
const diagnostics = out.split(/^(?=error\[)/m).filter((b) =>
  b.startsWith("error[")
).map((b) =>
  b.replace(/\n+error: Found \d+ documentation lint errors?\.[\s\S]*$/, "")
);
const kept = diagnostics.filter((d) => {
  const m = /^error\[private-type-ref\]: .* references private type '([^']+)'/
    .exec(d);
  return !(m && peerTypes.has(m[1]!));
});
if (r.status !== 0 && diagnostics.length === 0) {
  console.error(out);
  process.exit(1);
}
if (kept.length > 0) {
  console.error(kept.join("\n"));
  console.error(`${kept.length} documentation lint error(s)`);
  process.exit(1);
}
const dropped = diagnostics.length === 0
  ? ""
  : ` (${diagnostics.length} reference(s) to peer types: ${
    [...peerTypes].filter((t) => out.includes(`'${t}'`)).join(", ")
  })`;
console.log(`deno doc --lint ${entries.join(" ")}: ok${dropped}`);
