/**
 * HTML without a framework: one `html` tagged template that escapes every
 * interpolated value, unless the value is itself `html` output (so nesting
 * never escapes twice). `raw()` is the one opt-out, for markup written in
 * this package only: never for anything that comes from a job, a queue
 * name, an error or a request.
 *
 * @module
 */

/** Markup that is safe to insert as it is: the output of `html`. */
export class Html {
  readonly #text: string;
  constructor(text: string, brand: typeof BRAND) {
    if (brand !== BRAND) throw new TypeError("Html is made by html``");
    this.#text = text;
  }
  /** The markup. */
  toString(): string {
    return this.#text;
  }
}

const BRAND: unique symbol = Symbol("html");

/** What `html` accepts as an interpolated value. */
export type HtmlValue =
  | Html
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for an HTML text node or a quoted attribute value.
 *
 * @param text Any text.
 * @returns The text with `& < > " '` escaped.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(value: HtmlValue, out: string[]): void {
  if (value instanceof Html) out.push(value.toString());
  else if (Array.isArray(value)) {
    for (const v of value as readonly HtmlValue[]) render(v, out);
  } else if (typeof value === "string") out.push(escapeHtml(value));
  else if (typeof value === "number" || typeof value === "bigint") {
    out.push(escapeHtml(String(value)));
  }
  // true, false, null and undefined render nothing, so `cond && html`...` works.
}

/**
 * The tagged template: every interpolation is escaped, arrays are flattened,
 * `true`/`false`/`null`/`undefined` render nothing and `0` prints.
 *
 * @example
 * ```ts ignore
 * const name = "<script>";
 * html`<td>${name}</td>`.toString(); // "<td>&lt;script&gt;</td>"
 * ```
 */
export function html(
  strings: TemplateStringsArray,
  ...values: readonly HtmlValue[]
): Html {
  const out: string[] = [strings[0]!];
  for (let i = 0; i < values.length; i++) {
    render(values[i], out);
    out.push(strings[i + 1]!);
  }
  return new Html(out.join(""), BRAND);
}

/**
 * Markup used as it is, unescaped: only for constant markup of this
 * package (icons). Never pass it data.
 *
 * @param markup Trusted markup.
 * @returns The same markup, marked safe.
 */
export function raw(markup: string): Html {
  return new Html(markup, BRAND);
}
