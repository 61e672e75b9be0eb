import { test } from "node:test";
import assert from "node:assert/strict";
import { ReadBuffer } from "../adapters/_read_buffer.ts";

test("ReadBuffer starts small, grows only when a read fills it, and stops at its maximum", () => {
  const buffer = new ReadBuffer();
  const first = buffer.bytes.length;
  assert.ok(first <= 4096, `starts at ${first} bytes`);
  buffer.filled(first - 1);
  assert.equal(buffer.bytes.length, first, "a partial read keeps the size");
  let size = first;
  for (let i = 0; i < 20; i++) {
    buffer.filled(buffer.bytes.length);
    assert.ok(buffer.bytes.length >= size);
    size = buffer.bytes.length;
  }
  assert.equal(size, 64 * 1024, "grows up to 64 KiB");
});
