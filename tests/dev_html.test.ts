import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeHtml, html, raw } from "../dashboard/_html.ts";

test("html`` escapes & < > \" ' in every interpolated value", () => {
  const evil = `<script>alert("x")</script> & 'quoted'`;
  assert.equal(
    html`<td title="${evil}">${evil}</td>`.toString(),
    `<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;</td>`,
  );
  assert.equal(
    html`${'"><img src=x onerror=alert(1)>'}`.toString(),
    "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
  );
});

test("html`` does not escape its own output twice, and flattens arrays", () => {
  const cell = (v: string) => html`<td>${v}</td>`;
  assert.equal(
    html`<tr>${["<a>", "b&"].map(cell)}</tr>`.toString(),
    "<tr><td>&lt;a&gt;</td><td>b&amp;</td></tr>",
  );
  assert.equal(html`${[[html`<i>`, ["<"]]]}`.toString(), "<i>&lt;");
});

test("html`` renders nothing for true, false, null and undefined, and prints 0", () => {
  assert.equal(
    html`[${true}${false}${null}${undefined}${0}${-1.5}${2n}]`.toString(),
    "[0-1.52]",
  );
  const empty: unknown[] = [];
  assert.equal(html`${empty.length > 0 && html`<b>`}`.toString(), "");
});

test("html``: a string that looks like markup, or like html output, is still escaped", () => {
  // Only a value made by html`` (or raw) passes; a look-alike object does not.
  const fake = { toString: () => "<b>" } as unknown as string;
  assert.equal(html`${String(fake)}`.toString(), "&lt;b&gt;");
  assert.equal(html`${raw("<b>")}`.toString(), "<b>");
  assert.equal(escapeHtml("&amp;"), "&amp;amp;");
});
