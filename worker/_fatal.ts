/**
 * Which connection errors retrying cannot fix: a wrong password, a malformed
 * URL or bad options, a host name that does not resolve, a TLS handshake that
 * fails (TLS to a plaintext port, an untrusted certificate), a permission
 * the runtime denies, and a greeting that is not Faktory's (another service on
 * that port, or a HI asking for an absurd password hash). A worker gives up on these at its first connect; once it
 * was up, it keeps retrying, since a DNS or network hiccup may pass.
 *
 * @module
 */

import {
  ConnectError,
  LocalProtocolError,
  RemoteProtocolError,
  ServerError,
} from "../core/errors.ts";

const FATAL_CODES = new Set([
  "ENOTFOUND", // DNS: no such host (Node, Bun)
  "EPROTO", // TLS protocol error (Bun: TLS to a plaintext port)
  "InvalidData", // Deno: TLS to a plaintext port, or a bad certificate
  "NotCapable", // Deno 2: permission denied (--allow-net)
  "PermissionDenied", // Deno 1 and the OS
  "EACCES",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** Whether retrying the connection cannot help. */
export function isFatal(err: unknown): boolean {
  if (err instanceof LocalProtocolError) return true;
  if (err instanceof RemoteProtocolError) return true;
  if (err instanceof ServerError) return err.name === "AuthenticationError";
  if (!(err instanceof ConnectError)) return false;
  const code = err.code;
  return FATAL_CODES.has(code) || code.startsWith("ERR_SSL_") ||
    // Deno reports a failed DNS lookup without a code.
    /failed to lookup address|Name or service not known|nodename nor servname/i
      .test(err.message);
}
