// Type-checks every TypeScript and JavaScript block of README.md with `deno check`, with the
// package specifiers pointed at this checkout, so the README's examples cannot rot. A block
// whose first line is a file name comment ("// jobs.ts") is written under that name, so the
// blocks after it can import it.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";

const root = resolve(import.meta.dirname ?? ".", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks = [...readme.matchAll(/```(ts|js)\n([\s\S]*?)```/g)];
const dir = join(root, ".tmp", "readme");
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const mod = JSON.stringify(pathToFileURL(join(root, "mod.ts")).href);
const testing = JSON.stringify(
  pathToFileURL(join(root, "testing", "mod.ts")).href,
);
const tracing = JSON.stringify(
  pathToFileURL(join(root, "tracing", "mod.ts")).href,
);
const nameOf = (code: string) => /^\/\/ ([\w-]+\.(?:ts|js))\b/.exec(code)?.[1];
const files = blocks.map(([, lang, code], i) => {
  // A block that starts with a file name comment ("// jobs.ts") is written under that
  // name, so the blocks after it can import it.
  const named = nameOf(code!);
  const file = join(
    dir,
    named ?? `block_${String(i).padStart(2, "0")}.${lang}`,
  );
  const body = code!
    .replace(/"(jsr:)?@x\/faktory-worker\/testing"/g, testing)
    .replace(/"(jsr:)?@x\/faktory-worker\/tracing"/g, tracing)
    .replace(/"(jsr:)?@x\/faktory-worker"/g, mod);
  // Each block is its own module (top-level await allowed).
  writeFileSync(file, `${body}\nexport {};\n`);
  return file;
});
console.log(`README: ${files.length} code blocks`);
const result = spawnSync(join(root, "node_modules", ".bin", "deno"), [
  "check",
  "--quiet",
  ...files,
], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NO_COLOR: "1" },
});
process.exit(result.status ?? 1);
