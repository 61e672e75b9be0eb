// Every exported symbol of the public entry points but type aliases has a JSDoc @example (deno doc
// --lint checks the summary, type aliases included; this checks the example). The examples themselves are type-checked by
// `deno check --doc` in `npm run check`.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join, resolve } from "node:path";
import process from "node:process";

const root = resolve(import.meta.dirname ?? ".", "..");
const json = execFileSync(join(root, "node_modules", ".bin", "deno"), [
  "doc",
  "--json",
  "mod.ts",
  "protocol.ts",
  "testing/mod.ts",
  "dev/mod.ts",
], {
  cwd: root,
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024,
});
interface Decl {
  kind: string;
  def?: { target?: { filename: string; line: number } };
  jsDoc?: { tags?: { kind: string }[] };
  location?: { filename: string };
}
const doc = JSON.parse(json) as {
  nodes: Record<
    string,
    { symbols?: { name: string; declarations?: Decl[] }[] }
  >;
};
const missing: string[] = [];
let count = 0;
for (const mod of Object.values(doc.nodes)) {
  for (const sym of mod.symbols ?? []) {
    const hasExample = (d: Decl) =>
      (d.jsDoc?.tags ?? []).some((t) => t.kind === "example");
    const overloaded = (sym.declarations ?? []).filter((d) =>
      d.kind === "function"
    ).length > 1;
    for (const decl of sym.declarations ?? []) {
      if (decl.kind === "reference" && decl.def?.target) {
        // A re-export (`export type { X } from`): read the JSDoc where X is declared.
        const { filename, line } = decl.def.target;
        const found = sourceDoc(filename, line);
        if (found.typeAlias) continue;
        count++;
        if (!found.example) {
          missing.push(`${sym.name} (re-exported from ${filename})`);
        }
        continue;
      }
      // The implementation signature of overloads is not visible to users.
      if (overloaded && decl.kind === "function" && !decl.jsDoc) continue;
      if (decl.kind === "typeAlias") continue;
      count++;
      if (!hasExample(decl)) {
        missing.push(
          `${sym.name} (${decl.kind}) in ${
            decl.location?.filename.replace(`file://${root}/`, "")
          }`,
        );
      }
    }
  }
}
/** The JSDoc block right above a declaration's line: whether it has an @example. */
function sourceDoc(
  url: string,
  line: number,
): { example: boolean; typeAlias: boolean } {
  const lines = readFileSync(fileURLToPath(url), "utf8").split("\n");
  // deno doc counts lines from 0.
  const decl = lines[line] ?? "";
  let end = line - 1;
  while (end >= 0 && lines[end]!.trim() === "") end--;
  if (end < 0 || !lines[end]!.trim().endsWith("*/")) {
    return { example: false, typeAlias: /\btype\s+\w+/.test(decl) };
  }
  let start = end;
  while (start > 0 && !lines[start]!.trim().startsWith("/**")) start--;
  const block = lines.slice(start, end + 1).join("\n");
  return {
    example: block.includes("@example"),
    typeAlias: /^export\s+type\s+\w+/.test(decl.trim()),
  };
}

if (missing.length > 0) {
  console.error(
    `${missing.length} exported symbol(s) without an @example:\n  ${
      missing.join("\n  ")
    }`,
  );
  process.exit(1);
}
console.log(`${count} exported declarations, each with an @example`);
