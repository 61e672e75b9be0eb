/**
 * The dashboard's defences: HTTP Basic auth with a constant-time password
 * check, cross-origin refusal of unsafe requests (as Go's
 * CrossOriginProtection, which Faktory's Web UI uses), a per-server CSRF
 * token, the Host allowlist against DNS rebinding, and the headers every
 * response carries.
 *
 * @module
 */

/** The Content-Security-Policy of every response: no inline script or style. */
export const CSP: string = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

/**
 * Whether an address is on this machine only (127.0.0.0/8, ::1, localhost).
 *
 * @param host An address or host name.
 * @returns True for a loopback address.
 */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || h === "::1" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Adds the security headers to a response's headers. */
export function secure(headers: Headers): Headers {
  headers.set("content-security-policy", CSP);
  headers.set("x-content-type-options", "nosniff");
  headers.set("x-frame-options", "DENY");
  headers.set("referrer-policy", "same-origin");
  headers.set("cross-origin-opener-policy", "same-origin");
  headers.set("cross-origin-resource-policy", "same-origin");
  return headers;
}

/** A new random token (32 bytes, hex). */
export function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Compares two strings in time that depends on neither's content. */
export async function sameSecret(a: string, b: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [x, y] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(a)),
    crypto.subtle.digest("SHA-256", enc.encode(b)),
  ]);
  const p = new Uint8Array(x);
  const q = new Uint8Array(y);
  let diff = 0;
  for (let i = 0; i < p.length; i++) diff |= p[i]! ^ q[i]!;
  return diff === 0;
}

/**
 * Whether the request carries the password in HTTP Basic auth (the user
 * name is ignored, as Faktory's Web UI does).
 */
export async function authorized(
  request: Request,
  password: string,
): Promise<boolean> {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  let given = "";
  if (match) {
    try {
      const bytes = Uint8Array.from(atob(match[1]!), (c) => c.charCodeAt(0));
      const text = new TextDecoder().decode(bytes);
      const colon = text.indexOf(":"); // user:password; no colon, no password
      given = colon === -1 ? "" : text.slice(colon + 1);
    } catch { /* not base64: no password */ }
  }
  // Compared even when absent, so timing tells nothing.
  return await sameSecret(given, password) && given !== "";
}

/**
 * Why an unsafe request (not GET, HEAD or OPTIONS) is refused as
 * cross-origin, or undefined when it may proceed: `Sec-Fetch-Site` must be
 * `same-origin` or `none`; without it, `Origin` must match `Host`; a
 * request with neither comes from no browser and passes.
 */
export function crossOrigin(request: Request): string | undefined {
  if (["GET", "HEAD", "OPTIONS"].includes(request.method)) return undefined;
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "") {
    return site === "same-origin" || site === "none"
      ? undefined
      : `a ${site} request may not change anything here`;
  }
  const origin = request.headers.get("origin");
  if (origin === null || origin === "") return undefined;
  try {
    if (new URL(origin).host === request.headers.get("host")) return undefined;
  } catch { /* "null" or garbage: refused */ }
  return "a request from another origin may not change anything here";
}

/**
 * Whether the Host header names this machine: a page of another site that
 * resolves its own name to 127.0.0.1 (DNS rebinding) sends its own name and
 * is refused.
 */
export function loopbackHost(request: Request): boolean {
  const host = request.headers.get("host");
  if (host === null) return false;
  let name: string;
  try {
    name = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  if (name.startsWith("[") && name.endsWith("]")) name = name.slice(1, -1);
  return isLoopback(name);
}
