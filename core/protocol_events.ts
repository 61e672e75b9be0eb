/**
 * What a `ClientProtocol` reports: the states of a connection and
 * the events the peer's bytes decode to.
 *
 * @module
 */

import type { CommandResults, Verb } from "./commands.ts";
import type { FaktoryError } from "./errors.ts";
import type { Hi } from "./handshake.ts";

/**
 * Where a connection is in its life.
 *
 * @example
 * ```ts
 * import type { ConnectionState } from "@x/faktory-worker/protocol";
 * const state: ConnectionState = "ready";
 * console.log(state);
 * ```
 */
export type ConnectionState =
  | "greeting"
  | "handshake"
  | "hello-sent"
  | "ready"
  | "closed"
  | "error";

/**
 * The decoded reply to one command: its typed result, or the typed error the
 * server answered (a {@linkcode ServerError}; the connection stays usable
 * unless the command was HELLO) or the reply broke the protocol (a
 * {@linkcode RemoteProtocolError}; the connection is then in the `error`
 * state). `token` is what was passed to `ClientProtocol.send`.
 *
 * @example
 * ```ts
 * import type { ReplyEvent } from "@x/faktory-worker/protocol";
 * function show(event: ReplyEvent): string {
 *   return event.type === "result" ? `${event.verb} ok` : `${event.verb}: ${event.error.message}`;
 * }
 * ```
 */
export type ReplyEvent<T = unknown> =
  | {
    [V in Verb]: {
      readonly type: "result";
      readonly verb: V;
      readonly result: CommandResults[V];
      readonly token: T;
    };
  }[Verb]
  | {
    readonly type: "error";
    readonly verb: Verb;
    readonly error: FaktoryError;
    readonly token: T;
  };

/**
 * Something the peer said: the greeting, or the decoded reply to the oldest
 * outstanding command.
 *
 * @example
 * ```ts
 * import type { ProtocolEvent } from "@x/faktory-worker/protocol";
 * function show(event: ProtocolEvent): string {
 *   return event.type === "hi" ? `HI v${event.hi.v}` : `${event.verb} -> ${event.type}`;
 * }
 * ```
 */
export type ProtocolEvent<T = unknown> =
  | { readonly type: "hi"; readonly hi: Hi }
  | ReplyEvent<T>;
