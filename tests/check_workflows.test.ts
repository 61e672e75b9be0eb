import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { workflowProblems } from "../scripts/check_workflows.ts";

const dir = new URL("../.github/workflows/", import.meta.url);
const JOB = `on: push
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm ci
`;

test("workflowProblems() accepts the repository's workflows", () => {
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  assert.deepEqual(files, ["ci.yml", "release.yml"]);
  for (const file of files) {
    assert.deepEqual(
      workflowProblems(readFileSync(new URL(file, dir), "utf8")),
      [],
      file,
    );
  }
  assert.deepEqual(workflowProblems(JOB), []);
});

test("workflowProblems() rejects a job without runs-on", () => {
  assert.deepEqual(
    workflowProblems(JOB.replace("    runs-on: ubuntu-latest\n", "")),
    ["/jobs/build/runs-on: This property is required"],
  );
});

test("workflowProblems() rejects a misspelt key", () => {
  assert.deepEqual(
    workflowProblems(JOB.replace("steps:", "step:")),
    ["/jobs/build: Additional property 'step' is not allowed"],
  );
});

test("workflowProblems() rejects a bad permission and a need for a missing job", () => {
  assert.deepEqual(
    workflowProblems(
      JOB.replace("contents: read", "id-token: writ").replace(
        "    steps:",
        "    needs: [test]\n    steps:",
      ),
    ),
    [
      "/permissions/id-token: Enum conditions are not met",
      "/jobs/build/needs: unresolved job test",
    ],
  );
});

test("workflowProblems() reports YAML that does not parse, with its line", () => {
  const problems = workflowProblems("on: [push\njobs: {");
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /^line 2, column 5: did not find expected/);
});
