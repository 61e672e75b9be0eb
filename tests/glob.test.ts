import { test } from "node:test";
import assert from "node:assert/strict";
import { globMatch } from "../server/_glob.ts";

test("globMatch matches Redis glob syntax: * ? [..] [^..] ranges and escapes", () => {
  const cases: [string, string, boolean][] = [
    ["*", "anything", true],
    ["a*", "abc", true],
    ["a*", "bac", false],
    ["*c", "abc", true],
    ["a?c", "abc", true],
    ["a?c", "ac", false],
    ["h[ae]llo", "hello", true],
    ["h[ae]llo", "hillo", false],
    ["h[^e]llo", "hallo", true],
    ["h[^e]llo", "hello", false],
    ["h[a-b]llo", "hbllo", true],
    ["h[z-a]llo", "hmllo", true], // Redis swaps a reversed range
    ["h[z-a]llo", "hMllo", false],
    ["a\\*b", "a*b", true],
    ["a\\*b", "axb", false],
    ["[\\]]", "]", true],
    ["[abc", "b", true], // an unclosed class runs to the end of the pattern
    ["[abc", "[", false],
    ["a\\", "a\\", true], // a trailing backslash is literal
    ["**a**", "xxaxx", true],
    ["*a*b*c", "xaybzc", true],
    ["*a*b*c", "xaybzcz", false],
    ["", "", true],
    ["?", "", false],
    ["a*", "a", true],
    ['*"jobtype":"T"*', '{"jid":"x","jobtype":"T","args":[]}', true],
  ];
  for (const [pattern, text, expected] of cases) {
    assert.equal(globMatch(pattern, text), expected, `${pattern} ~ ${text}`);
  }
});

test("globMatch takes linear time on patterns that backtrack exponentially", () => {
  const text = "a".repeat(5000);
  const started = Date.now();
  assert.equal(globMatch("*a*a*a*a*a*a*a*a*a*a*b", text), false);
  assert.equal(globMatch("*a*a*a*a*a*a*a*a*a*a*a", text), true);
  const ms = Date.now() - started;
  assert.ok(ms < 500, `took ${ms} ms`);
});
