/**
 * The probe server: `/healthz` (liveness) and `/readyz` (readiness) over
 * the runtime's HTTP adapter, answered from memory with a JSON body, 200
 * when the check passes and 503 when it fails. It listens while `run()`
 * runs: started before the worker connects, closed before `run()` resolves.
 * No authentication: bind it where only the orchestrator can reach it.
 *
 * @module
 */

import { defaultHttpServe } from "../adapters/runtime.ts";
import type { HttpHandler, HttpServer } from "../adapters/http.ts";
import { FaktoryError } from "../core/errors.ts";
import { describeThrown } from "../core/failure.ts";
import type { Logger } from "../client/logger.ts";
import type { WorkerHealth } from "./health.ts";
import type { HealthSettings } from "./_health.ts";
import { reportEvery, runReporting } from "./_health_report.ts";

const JSON_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
};

function json(status: number, body: unknown): Response {
  return new Response(`${JSON.stringify(body)}\n`, {
    status,
    headers: JSON_HEADERS,
  });
}

/**
 * Answers `GET`/`HEAD` `/healthz` and `/readyz` from `health()`: `ok`, the
 * checks of the level asked for, and the rest of the health report.
 */
export function healthHandler(health: () => WorkerHealth): HttpHandler {
  return (request) => {
    const { pathname } = new URL(request.url);
    const level = pathname === "/healthz"
      ? "live"
      : pathname === "/readyz"
      ? "ready"
      : undefined;
    if (level === undefined) {
      return Promise.resolve(
        json(404, { error: "Not found: try /healthz or /readyz" }),
      );
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      const response = json(405, { error: "Only GET and HEAD are allowed" });
      response.headers.set("allow", "GET, HEAD");
      return Promise.resolve(response);
    }
    const { checks, ...report } = health();
    const ok = report[level];
    return Promise.resolve(
      json(ok ? 200 : 503, { ok, checks: checks[level], ...report }),
    );
  };
}

/** What {@linkcode runWithProbes} needs. */
export interface ProbeOptions {
  readonly settings: HealthSettings & { readonly heartbeatInterval: number };
  /** The slot of this process, when a supervisor started it. */
  readonly processIndex: number | undefined;
  health(): WorkerHealth;
  readonly logger: Logger;
  /** Told the base URL once listening, and undefined once closed. */
  listening(url: string | undefined): void;
}

/** The part of a session the probe server wraps. */
export interface Runnable {
  run(): Promise<void>;
  terminate(reason: "api"): Promise<void>;
}

/**
 * Runs the session, serving the probes meanwhile when a port is set. A
 * child of a supervisor serves nothing: it reports its health to the
 * supervisor, which serves the port.
 *
 * @throws {FaktoryError} When the probe server cannot listen (the port is
 *   taken, the address is not local); the session is stopped first.
 */
export async function runWithProbes(
  options: ProbeOptions,
  session: Runnable,
): Promise<void> {
  const { settings, processIndex, logger } = options;
  const { healthPort: port, healthHost: host } = settings;
  if (processIndex !== undefined) {
    return await runReporting({
      index: processIndex,
      every: reportEvery(settings.heartbeatInterval),
      health: () => options.health(),
      logger,
    }, session);
  }
  if (port === undefined) return await session.run();
  let server: HttpServer;
  try {
    const serve = await defaultHttpServe();
    server = await serve({
      host,
      port,
      onError: (error) =>
        logger.warn("A health check request failed", {
          error: describeThrown(error),
        }),
    }, healthHandler(() => options.health()));
  } catch (err) {
    await session.terminate("api");
    throw new FaktoryError(
      `Cannot serve health checks on ${host}:${port}: ${describeThrown(err)}`,
      { cause: err },
    );
  }
  const url = `http://${
    server.host.includes(":") ? `[${server.host}]` : server.host
  }:${server.port}`;
  options.listening(url);
  logger.info("Serving health checks on /healthz and /readyz", { url });
  try {
    await session.run();
  } finally {
    options.listening(undefined);
    await server.close();
  }
}
