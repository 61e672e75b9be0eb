// Validates every GitHub Actions workflow in .github/workflows/ against the workflow schema, with
// @action-validator/core (the schema and validator ship in the npm package, as WebAssembly: no
// network). Prints one line per problem and exits non-zero on any.
// Usage: tsx scripts/check_workflows.ts
import { validateWorkflow, type ValidationError } from "@action-validator/core";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { isMain } from "./_is_main.ts";

/** One line per error; of a `oneOf`'s alternatives, the one that came closest to matching. */
function lines(errors: readonly ValidationError[]): string[] {
  return errors.flatMap((error) => {
    if ("states" in error && error.states && error.states.length > 0) {
      const closest = error.states.reduce((best, state) =>
        state.errors.length < best.errors.length ? state : best
      );
      return lines(closest.errors);
    }
    if ("location" in error && error.location) {
      const { line, column } = error.location;
      return [`line ${line}, column ${column}: ${error.detail}`];
    }
    const path = "path" in error && error.path ? error.path : "/";
    return [`${path}: ${error.detail ?? error.title}`];
  });
}

/** The schema problems of one workflow file's YAML source, one line each; empty when valid. */
export function workflowProblems(source: string): string[] {
  return [...new Set(lines(validateWorkflow(source).errors))];
}

function main(): void {
  const dir = resolve(import.meta.dirname ?? ".", "..", ".github", "workflows");
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  if (files.length === 0) {
    console.error(`no workflow in ${dir}`);
    process.exit(1);
  }
  let problems = 0;
  for (const file of files) {
    for (
      const problem of workflowProblems(readFileSync(join(dir, file), "utf8"))
    ) {
      console.error(`- .github/workflows/${file}: ${problem}`);
      problems++;
    }
  }
  if (problems > 0) process.exit(1);
  console.log(`workflows: ${files.join(", ")} match the schema`);
}

if (isMain(import.meta.url)) main();
