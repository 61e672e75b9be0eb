/**
 * The jid of a job from the first bytes of its JSON, for a job too large to
 * read whole. Only a `"jid"` key of the top-level object counts, wherever it
 * is among the keys: one nested in `args` or `custom` is skipped.
 *
 * @module
 */

const WS = /[ \t\r\n]/;

/**
 * The top-level `jid` string of a JSON object's first characters.
 *
 * @param head The start of the JSON text, possibly cut anywhere.
 * @returns The jid, or undefined when it is not whole in `head` (or is not a
 *   string, or `head` is not the start of an object).
 */
export function jidInHead(head: string): string | undefined {
  let i = skipSpace(head, 0);
  if (head[i] !== "{") return undefined;
  i++;
  for (;;) {
    i = skipSpace(head, i);
    if (head[i] !== '"') return undefined; // "}" or cut: no jid
    const keyEnd = stringEnd(head, i);
    if (keyEnd < 0) return undefined;
    const key = decode(head.slice(i, keyEnd));
    i = skipSpace(head, keyEnd);
    if (head[i] !== ":") return undefined;
    i = skipSpace(head, i + 1);
    const valueEnd = head[i] === '"' ? stringEnd(head, i) : valueEndAt(head, i);
    if (valueEnd < 0) return undefined;
    if (key === "jid") {
      return head[i] === '"' ? decode(head.slice(i, valueEnd)) : undefined;
    }
    i = skipSpace(head, valueEnd);
    if (head[i] !== ",") return undefined;
    i++;
  }
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && WS.test(s[i]!)) i++;
  return i;
}

/** The index after the string starting at `i` (a quote), or -1 if cut. */
function stringEnd(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === "\\") j++;
    else if (s[j] === '"') return j + 1;
  }
  return -1;
}

/** The index after the non-string value at `i`, or -1 if cut. */
function valueEndAt(s: string, i: number): number {
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const c = s[j]!;
    if (c === '"') {
      j = stringEnd(s, j) - 1;
      if (j < 0) return -1;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      if (depth === 0) return j; // the end of the enclosing object
      if (--depth === 0) return j + 1;
    } else if (depth === 0 && (c === "," || WS.test(c))) return j;
  }
  return -1;
}

/** A JSON string literal's value, or undefined when it is not valid. */
function decode(literal: string): string | undefined {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return undefined;
  }
}
