// Shared helpers for Manager tests: a fast embedded server, a quiet capturing logger, waits.
import { seededRandom } from "./_seeded.ts";
import { Client, type Logger, Manager, type ManagerOptions } from "../mod.ts";
import { FaktoryServer, type FaktoryServerOptions } from "../testing/mod.ts";

export interface LogLine {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

export function captureLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: string) => (message: string, fields?: Record<string, unknown>) =>
      void lines.push({ level, message, ...(fields ? { fields } : {}) });
  return {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
}

/** A seeded source of numbers in [0, 1), so test runs repeat. */
export const seeded: (seed: number) => () => number = seededRandom;

export async function until(
  cond: () => boolean,
  ms = 10_000,
  what = "condition",
): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface Rig {
  server: FaktoryServer;
  client: Client;
  manager: Manager;
  logger: ReturnType<typeof captureLogger>;
  close(): Promise<void>;
}

/**
 * A server with short timeouts and a manager tuned for tests (not yet
 * running), with seeded randomness (weighted queue order, jitter).
 */
export async function rig(
  managerOptions: ManagerOptions = {},
  serverOptions: FaktoryServerOptions = {},
): Promise<Rig> {
  const server = await FaktoryServer.start({
    fetchTimeout: 100,
    taskInterval: 0,
    ...serverOptions,
  });
  const client = await Client.connect(server.url);
  const logger = captureLogger();
  const manager = new Manager({
    url: server.url,
    concurrency: 5,
    heartbeatInterval: 50,
    shutdownTimeout: 2000,
    reconnect: { initial: 20, max: 200 },
    handleSignals: false,
    logger,
    random: seeded(7),
    ...managerOptions,
  });
  return {
    server,
    client,
    manager,
    logger,
    async close() {
      await manager.stop();
      await client.close();
      await server.stop();
    },
  };
}
