import { test } from "node:test";
import assert from "node:assert/strict";
import {
  parseVersionArgs,
  releaseHeadingVersions,
  repositorySlug,
  versionProblems,
} from "../scripts/check_version.ts";

const repository = {
  type: "git",
  url: "git+https://github.com/acme/faktory-worker.git",
};
const CHANGELOG = `# Changelog

## Unreleased

- Nothing yet.

## 0.2.0 - 2026-12-06

- Batches.

## 0.1.0

First release.
`;

test("versionProblems() accepts package.json and deno.json with the same version, with no repository", () => {
  assert.deepEqual(
    versionProblems({
      packageJson: { version: "0.1.0" },
      denoJson: { version: "0.1.0" },
    }),
    [],
  );
});

test("versionProblems() reports package.json and deno.json versions that differ", () => {
  assert.deepEqual(
    versionProblems({
      packageJson: { version: "0.2.0" },
      denoJson: { version: "0.1.0" },
    }),
    ["version: package.json has 0.2.0, deno.json has 0.1.0"],
  );
});

test("versionProblems() reports a missing or non-semver version", () => {
  assert.deepEqual(
    versionProblems({ packageJson: {}, denoJson: { version: "1.0" } }),
    [
      "version: package.json has no version",
      'version: deno.json has "1.0", not a semantic version like 1.2.3',
    ],
  );
});

test("versionProblems() accepts a release whose tag, manifests, CHANGELOG and repository agree", () => {
  for (const version of ["0.2.0", "0.1.0"]) {
    assert.deepEqual(
      versionProblems(
        { packageJson: { version, repository }, denoJson: { version } },
        {
          tag: `v${version}`,
          changelog: CHANGELOG,
          githubRepository: "acme/faktory-worker",
        },
      ),
      [],
    );
  }
});

test("versionProblems() reports a tag that is not v + the manifests' version", () => {
  const manifests = {
    packageJson: { version: "0.2.0", repository },
    denoJson: { version: "0.2.0" },
  };
  for (const tag of ["v0.2.1", "0.2.0", "v0.2.0-rc.1"]) {
    assert.deepEqual(
      versionProblems(manifests, { tag, changelog: CHANGELOG }),
      [`tag: ${tag} does not match the version 0.2.0 (expected v0.2.0)`],
    );
  }
});

test("versionProblems() reports a release with no CHANGELOG heading for its version", () => {
  assert.deepEqual(
    versionProblems(
      {
        packageJson: { version: "0.3.0", repository },
        denoJson: { version: "0.3.0" },
      },
      { tag: "v0.3.0", changelog: CHANGELOG },
    ),
    [
      'CHANGELOG.md: no "## 0.3.0" heading (or "## 0.3.0 - YYYY-MM-DD"); move the Unreleased notes under it',
    ],
  );
});

test("versionProblems() names a CHANGELOG heading that is not a release heading", () => {
  const changelog = "## Unreleased\n\n## 0.3.0 (unreleased)\n\nFirst.\n";
  assert.deepEqual(
    versionProblems(
      {
        packageJson: { version: "0.3.0", repository },
        denoJson: { version: "0.3.0" },
      },
      { tag: "v0.3.0", changelog },
    ),
    [
      'CHANGELOG.md: "## 0.3.0 (unreleased)" is not a release heading; write "## 0.3.0" or "## 0.3.0 - YYYY-MM-DD"',
    ],
  );
});

test("versionProblems() in a release needs package.json repository.url for npm provenance", () => {
  const release = { tag: "v0.2.0", changelog: CHANGELOG };
  for (const repo of [undefined, "acme/faktory-worker", { type: "git" }]) {
    assert.deepEqual(
      versionProblems({
        packageJson: { version: "0.2.0", repository: repo },
        denoJson: { version: "0.2.0" },
      }, release),
      [
        "package.json: no repository.url; npm provenance needs it to name the GitHub repository",
      ],
    );
  }
});

test("versionProblems() in a release needs repository.url to name the workflow's repository", () => {
  assert.deepEqual(
    versionProblems(
      {
        packageJson: { version: "0.2.0", repository },
        denoJson: { version: "0.2.0" },
      },
      {
        tag: "v0.2.0",
        changelog: CHANGELOG,
        githubRepository: "someone/else",
      },
    ),
    [
      "package.json: repository.url names acme/faktory-worker, but the release runs in someone/else; npm provenance needs them to match",
    ],
  );
});

test("releaseHeadingVersions() reads ## X.Y.Z and ## X.Y.Z - YYYY-MM-DD, nothing else", () => {
  const changelog = [
    "# Changelog",
    "## Unreleased",
    "## 1.0.0-rc.1",
    "## 0.9.0 - 2026-01-31",
    "## 0.8.0 (unreleased)",
    "## 0.7.0 - 31.01.2026",
    "## 0.6.0 - 2026-13-01",
    "### 0.5.0",
    "## 0.4",
    "## 0.3.0  ",
    "## 0.2.0 - 2025-02-28\r",
    "text ## 0.1.0",
  ].join("\n");
  assert.deepEqual(releaseHeadingVersions(changelog), [
    "1.0.0-rc.1",
    "0.9.0",
    "0.3.0",
    "0.2.0",
  ]);
});

test("repositorySlug() reads owner/name from the URL forms npm accepts", () => {
  const cases: [string, string | undefined][] = [
    ["git+https://github.com/Acme/faktory-worker.git", "acme/faktory-worker"],
    ["https://github.com/acme/faktory-worker", "acme/faktory-worker"],
    ["https://github.com/acme/faktory-worker/", "acme/faktory-worker"],
    ["git+ssh://git@github.com/acme/faktory-worker.git", "acme/faktory-worker"],
    ["git@github.com:acme/faktory-worker.git", "acme/faktory-worker"],
    ["github:acme/faktory-worker", "acme/faktory-worker"],
    ["https://gitlab.com/acme/faktory-worker", undefined],
    ["https://github.com/acme", undefined],
  ];
  for (const [url, slug] of cases) {
    assert.equal(repositorySlug(url), slug, url);
  }
});

test("parseVersionArgs() takes --tag X or --tag=X and rejects anything else", () => {
  assert.deepEqual(parseVersionArgs([]), {});
  assert.deepEqual(parseVersionArgs(["--tag", "v1.2.3"]), { tag: "v1.2.3" });
  assert.deepEqual(parseVersionArgs(["--tag=v1.2.3"]), { tag: "v1.2.3" });
  assert.throws(() => parseVersionArgs(["--tag"]), /--tag needs a value/);
  assert.throws(() => parseVersionArgs(["--tag", ""]), /--tag needs a value/);
  assert.throws(() => parseVersionArgs(["v1.2.3"]), /unknown argument v1.2.3/);
});
