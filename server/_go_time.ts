/**
 * RFC 3339 parsing with the error text of Go's time.Parse for the layout
 * Faktory uses for `at`, so PUSH errors read like the real server's.
 *
 * @module
 */

const LAYOUT = "2006-01-02T15:04:05.999999999Z07:00";

/** Parses an RFC 3339 time to ms, or returns Go's error message. */
export function parseGoTime(value: string): number | string {
  let rest = value;
  const fail = (elem: string) =>
    `parsing time ${JSON.stringify(value)} as ${
      JSON.stringify(LAYOUT)
    }: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(elem)}`;
  const num = (digits: number, elem: string): number | string => {
    const m = new RegExp(`^\\d{${digits}}`).exec(rest);
    if (!m) return fail(elem);
    rest = rest.slice(digits);
    return Number(m[0]);
  };
  const lit = (text: string): string | undefined => {
    if (!rest.startsWith(text)) return fail(text);
    rest = rest.slice(text.length);
    return undefined;
  };
  const parts: number[] = [];
  for (
    const step of [
      [4, "2006"],
      "-",
      [2, "01"],
      "-",
      [2, "02"],
      "T",
      [2, "15"],
      ":",
      [2, "04"],
      ":",
      [2, "05"],
    ] as const
  ) {
    const r = typeof step === "string" ? lit(step) : num(step[0], step[1]);
    if (typeof r === "string") return r;
    if (typeof r === "number") parts.push(r);
  }
  let ms = 0;
  const frac = /^\.(\d{1,9})/.exec(rest);
  if (frac) {
    ms = Math.floor(Number(`0.${frac[1]}`) * 1000);
    rest = rest.slice(frac[0].length);
  }
  let offset = 0;
  if (rest.startsWith("Z")) rest = rest.slice(1);
  else {
    const m = /^([+-])(\d{2}):(\d{2})/.exec(rest);
    if (!m) return fail("Z07:00");
    offset = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
    rest = rest.slice(m[0].length);
  }
  if (rest !== "") {
    return `parsing time ${JSON.stringify(value)}: extra text: ${
      JSON.stringify(rest)
    }`;
  }
  const [y, mo, d, h, mi, s] = parts as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12) {
    return `parsing time ${JSON.stringify(value)}: month out of range`;
  }
  if (d < 1 || d > 31) {
    return `parsing time ${JSON.stringify(value)}: day out of range`;
  }
  if (h > 23 || mi > 59 || s > 59) {
    return `parsing time ${JSON.stringify(value)}: hour out of range`;
  }
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offset * 60_000;
}
