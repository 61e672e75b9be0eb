// Every exported symbol of the public entry points but type aliases has a JSDoc @example (deno doc
// --lint checks the summary, type aliases included; this checks the example). The examples themselves are type-checked by
// `deno check --doc` in `npm run check`.
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import process from "node:process";

const root = resolve(import.meta.dirname ?? ".", "..");
const json = execFileSync(join(root, "node_modules", ".bin", "deno"), [
  "doc",
  "--json",
  "mod.ts",
  "testing/mod.ts",
], {
  cwd: root,
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024,
});
interface Decl {
  kind: string;
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
if (missing.length > 0) {
  console.error(
    `${missing.length} exported symbol(s) without an @example:\n  ${
      missing.join("\n  ")
    }`,
  );
  process.exit(1);
}
console.log(`${count} exported declarations, each with an @example`);
