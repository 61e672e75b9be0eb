// The worker that deploy/Dockerfile.{node,deno,bun}, faktory-worker.service and kubernetes.yaml
// run. Replace the Sleep job with your own; keep `shutdownTimeout` in step with those files
// (TimeoutStopSec, terminationGracePeriodSeconds): tests/deploy.test.ts reads it from here.
//
// Environment: FAKTORY_URL (read by the Manager; tcp://localhost:7419 when unset),
// HEALTH_PORT (9090) and HEALTH_HOST ("0.0.0.0": in a container the kubelet or Docker probes
// the container's address; the systemd unit sets 127.0.0.1).
import { Manager } from "@x/faktory-worker";

const mgr = new Manager({
  concurrency: 10,
  shutdownTimeout: 25_000, // ms that SIGTERM waits for running jobs before FAILing them
  healthPort: Number(process.env.HEALTH_PORT ?? "9090"),
  healthHost: process.env.HEALTH_HOST ?? "0.0.0.0",
});

// An example job: waits `ms` milliseconds, or fails as soon as shutdown aborts it.
mgr.register("Sleep", async (ctx, ms: number) => {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    ctx.signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(ctx.signal.reason);
    }, { once: true });
  });
  ctx.logger.info(`slept ${ms} ms`, { jid: ctx.jid });
});

await mgr.run(); // until SIGTERM or SIGINT (graceful); SIGTSTP makes it quiet
process.exit(0); // also ends handlers that ignored ctx.signal (they were FAILed and will be retried)
