// Checks that the versions of a release agree. Always: package.json and deno.json carry the same
// semantic version. With `--tag vX.Y.Z` (the release workflow passes the pushed tag): the tag is
// "v" + that version, CHANGELOG.md has a release heading for it ("## X.Y.Z" or
// "## X.Y.Z - YYYY-MM-DD"), and package.json has a repository.url (npm provenance needs it),
// naming $GITHUB_REPOSITORY when that is set. Prints one line per problem, exits non-zero on any.
// Usage: tsx scripts/check_version.ts [--tag vX.Y.Z]
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { isMain } from "./_is_main.ts";

/** The manifests' fields this check reads. */
export interface Manifests {
  packageJson: { version?: unknown; repository?: unknown };
  denoJson: { version?: unknown };
}

/** What a release adds to the check: the pushed tag and the CHANGELOG's text. */
export interface Release {
  tag: string;
  changelog: string;
  /** `owner/name` of the repository the workflow runs in ($GITHUB_REPOSITORY). */
  githubRepository?: string;
}

const SEMVER =
  /^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
const DATE = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;

/**
 * The versions CHANGELOG.md releases: lines `## X.Y.Z` or `## X.Y.Z - YYYY-MM-DD`, nothing
 * more on the line (trailing blanks apart). `## Unreleased` and `## 0.1.0 (unreleased)` are not
 * release headings.
 */
export function releaseHeadingVersions(changelog: string): string[] {
  const out: string[] = [];
  for (const line of changelog.split("\n")) {
    const m = /^## (\S+)(?: - (\S+))?\s*$/.exec(line);
    if (!m || !SEMVER.test(m[1]!)) continue;
    if (m[2] !== undefined && !DATE.test(m[2])) continue;
    out.push(m[1]!);
  }
  return out;
}

/** `owner/name` (lower case) of a GitHub repository URL in any form npm accepts, else undefined. */
export function repositorySlug(url: string): string | undefined {
  const m = /^github:([\w.-]+)\/([\w.-]+?)(?:\.git)?$/.exec(url) ??
    /github\.com[/:]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(url);
  return m ? `${m[1]}/${m[2]}`.toLowerCase() : undefined;
}

function versionOf(file: string, value: unknown, problems: string[]): string {
  if (value === undefined) problems.push(`version: ${file} has no version`);
  else if (typeof value !== "string" || !SEMVER.test(value)) {
    problems.push(
      `version: ${file} has ${
        JSON.stringify(value)
      }, not a semantic version like 1.2.3`,
    );
  }
  return String(value);
}

function releaseProblems(
  version: string,
  repository: unknown,
  release: Release,
): string[] {
  const problems: string[] = [];
  if (release.tag !== `v${version}`) {
    problems.push(
      `tag: ${release.tag} does not match the version ${version} (expected v${version})`,
    );
  }
  if (!releaseHeadingVersions(release.changelog).includes(version)) {
    const near = release.changelog.split("\n")
      .find((line) => line.startsWith(`## ${version}`))?.trimEnd();
    problems.push(
      near === undefined
        ? `CHANGELOG.md: no "## ${version}" heading (or "## ${version} - YYYY-MM-DD"); move the Unreleased notes under it`
        : `CHANGELOG.md: "${near}" is not a release heading; write "## ${version}" or "## ${version} - YYYY-MM-DD"`,
    );
  }
  const url = typeof repository === "object" && repository !== null
    ? (repository as { url?: unknown }).url
    : undefined;
  if (typeof url !== "string" || url === "") {
    problems.push(
      "package.json: no repository.url; npm provenance needs it to name the GitHub repository",
    );
  } else if (release.githubRepository !== undefined) {
    const slug = repositorySlug(url);
    const expected = release.githubRepository.toLowerCase();
    if (slug !== expected) {
      problems.push(
        `package.json: repository.url names ${
          slug ?? `no GitHub repository (${url})`
        }, but the release runs in ${release.githubRepository}; npm provenance needs them to match`,
      );
    }
  }
  return problems;
}

/**
 * Every disagreement between the manifests (and, for a release, the tag, CHANGELOG and
 * repository), one line each; empty when they agree.
 */
export function versionProblems(
  manifests: Manifests,
  release?: Release,
): string[] {
  const problems: string[] = [];
  const pkg = versionOf(
    "package.json",
    manifests.packageJson.version,
    problems,
  );
  const deno = versionOf("deno.json", manifests.denoJson.version, problems);
  if (problems.length > 0) return problems;
  if (pkg !== deno) {
    return [`version: package.json has ${pkg}, deno.json has ${deno}`];
  }
  return release
    ? releaseProblems(pkg, manifests.packageJson.repository, release)
    : [];
}

/** Reads `--tag X` or `--tag=X`; throws a TypeError on anything else. */
export function parseVersionArgs(args: readonly string[]): { tag?: string } {
  const out: { tag?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    let value: string | undefined;
    if (arg === "--tag") value = args[++i];
    else if (arg.startsWith("--tag=")) value = arg.slice("--tag=".length);
    else throw new TypeError(`unknown argument ${arg}`);
    if (!value) throw new TypeError("--tag needs a value like v1.2.3");
    out.tag = value;
  }
  return out;
}

function main(): void {
  const root = resolve(import.meta.dirname ?? ".", "..");
  const read = (name: string) => readFileSync(join(root, name), "utf8");
  let tag: string | undefined;
  try {
    ({ tag } = parseVersionArgs(process.argv.slice(2)));
  } catch (err) {
    console.error(`check_version: ${(err as Error).message}`);
    console.error("usage: tsx scripts/check_version.ts [--tag vX.Y.Z]");
    process.exit(2);
  }
  const githubRepository = process.env.GITHUB_REPOSITORY;
  const problems = versionProblems(
    {
      packageJson: JSON.parse(read("package.json")),
      denoJson: JSON.parse(read("deno.json")),
    },
    tag === undefined ? undefined : {
      tag,
      changelog: read("CHANGELOG.md"),
      ...(githubRepository ? { githubRepository } : {}),
    },
  );
  for (const problem of problems) console.error(`- ${problem}`);
  if (problems.length > 0) process.exit(1);
  console.log(
    tag === undefined
      ? "versions: package.json and deno.json agree"
      : `versions: ${tag} agrees with package.json, deno.json and CHANGELOG.md`,
  );
}

if (isMain(import.meta.url)) main();
