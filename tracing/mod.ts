/**
 * Tracing with OpenTelemetry: one trace from the code that pushes a job,
 * through the job, to the jobs it pushes in turn. Two middleware, built on
 * `@opentelemetry/api` alone, which only this entry point imports (on npm an
 * optional peer dependency: install it next to your OpenTelemetry SDK; JSR
 * resolves it for you):
 *
 * - {@linkcode tracePush}: producer middleware. Starts a `PRODUCER` span
 *   `send <queue>` around each push and writes the trace context into the job
 *   as `custom.otel` (`{ traceparent, tracestate }`, whatever the global
 *   propagator writes).
 * - {@linkcode traceJobs}: worker middleware. Reads `custom.otel` and runs the
 *   job inside a `CONSUMER` span `process <queue>`, a child of the push's span,
 *   so pushes the job makes through `ctx.with` (with `tracePush` in the
 *   Manager's `pushMiddleware`) continue the trace.
 *
 * Span names and attributes follow the OpenTelemetry semantic conventions for
 * messaging. A job without `custom.otel` starts a trace of its own. With no SDK
 * registered, both middleware do nothing visible: jobs are pushed and run as
 * without them. Register the SDK as usual: a tracer provider with your
 * exporter, the W3C propagator, and a context manager such as
 * `AsyncLocalStorageContextManager` from `@opentelemetry/context-async-hooks`.
 *
 * @example Trace pushes and jobs
 * ```ts
 * import { Client, Manager } from "@x/faktory-worker";
 * import { traceJobs, tracePush } from "@x/faktory-worker/tracing";
 *
 * // Producer: each push gets a span, and the job carries its trace context.
 * const client = await Client.connect({ middleware: [tracePush()] });
 *
 * // Worker: each job runs in a span that continues the trace of its push.
 * const mgr = new Manager({ pushMiddleware: [tracePush()] });
 * mgr.use(traceJobs()); // first, so that its span covers the other middleware
 * ```
 *
 * @module
 */
import {
  type Attributes,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import type { Middleware, PushMiddleware } from "../mod.ts";

/**
 * The key of `custom` that carries the trace context from a push to its job.
 *
 * @example Read the trace context a job carries
 * ```ts
 * import { Manager } from "@x/faktory-worker";
 * import { TRACE_CONTEXT_KEY } from "@x/faktory-worker/tracing";
 *
 * const mgr = new Manager();
 * mgr.register("SendWelcome", (ctx) => {
 *   console.log(ctx.custom[TRACE_CONTEXT_KEY]); // { traceparent: "00-…-01" }
 * });
 * ```
 */
export const TRACE_CONTEXT_KEY = "otel";

/**
 * The instrumentation scope of the default tracer: the name spans of
 * {@linkcode tracePush} and {@linkcode traceJobs} carry unless you pass a
 * tracer of your own.
 *
 * @example The default tracer, named explicitly
 * ```ts
 * import { trace } from "@opentelemetry/api";
 * import { tracePush, TRACER_NAME } from "@x/faktory-worker/tracing";
 *
 * const middleware = tracePush(trace.getTracer(TRACER_NAME, "1.0.0"));
 * ```
 */
export const TRACER_NAME = "@x/faktory-worker";

/**
 * Producer middleware: a PRODUCER span around each push, whose context goes into the job's
 * `custom.otel`. The span is a child of the active span (say, the HTTP request that pushes).
 *
 * @param tracer The tracer; by default the global provider's, named {@linkcode TRACER_NAME}.
 * @returns The middleware, for `Client.connect({ middleware })`, `client.use`, `new Pool` or
 *   the Manager's `pushMiddleware`.
 *
 * @example A span for each push, and the trace context in each job
 * ```ts
 * import { Client, Manager } from "@x/faktory-worker";
 * import { tracePush } from "@x/faktory-worker/tracing";
 *
 * const client = await Client.connect({ middleware: [tracePush()] });
 * await client.push("SignUp", ["ada@example.com"]); // custom.otel: { traceparent }
 *
 * // Pushes that jobs make through ctx.with continue the job's trace.
 * const mgr = new Manager({ pushMiddleware: [tracePush()] });
 * ```
 */
export function tracePush(
  tracer: Tracer = trace.getTracer(TRACER_NAME),
): PushMiddleware {
  return async (job, next) => {
    const queue = job.queue ?? "default";
    const span = tracer.startSpan(`send ${queue}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        ...messaging("send", queue, job.jid),
        "faktory.job.type": job.jobtype,
      },
    });
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    try {
      await next(
        Object.keys(carrier).length === 0
          ? job
          : { ...job, custom: { ...job.custom, [TRACE_CONTEXT_KEY]: carrier } },
      );
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  };
}

/**
 * Worker middleware: runs each job inside a CONSUMER span, a child of the span that pushed it
 * (read from `custom.otel`), and records what the job threw.
 *
 * @param tracer The tracer; by default the global provider's, named {@linkcode TRACER_NAME}.
 * @returns The middleware, for `mgr.use`; add it first, so it sees everything after it.
 *
 * @example Each job in a span that continues the trace of its push
 * ```ts
 * import { Manager } from "@x/faktory-worker";
 * import { traceJobs } from "@x/faktory-worker/tracing";
 *
 * const mgr = new Manager();
 * mgr.use(traceJobs()); // first, so that its span covers the other middleware
 * mgr.register("SignUp", async (_ctx, email: string) => {
 *   console.log(`welcome ${email}`);
 * });
 * ```
 */
export function traceJobs(
  tracer: Tracer = trace.getTracer(TRACER_NAME),
): Middleware {
  return async (ctx, next) => {
    const parent = propagation.extract(
      ROOT_CONTEXT, // a job's trace comes from the job, not from whatever ran before it
      carrierOf(ctx.custom[TRACE_CONTEXT_KEY]),
    );
    const span = tracer.startSpan(`process ${ctx.queue}`, {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...messaging("process", ctx.queue, ctx.jid),
        "faktory.job.type": ctx.jobType,
        "faktory.job.retry_count": ctx.retryCount,
      },
    }, parent);
    try {
      await context.with(trace.setSpan(parent, span), next);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  };
}

/** The messaging attributes common to both spans. */
function messaging(
  operation: "send" | "process",
  queue: string,
  jid: string,
): Attributes {
  return {
    "messaging.system": "faktory",
    "messaging.operation.type": operation,
    "messaging.operation.name": operation,
    "messaging.destination.name": queue,
    "messaging.message.id": jid,
  };
}

/** The string fields of `custom.otel`, or none when it is missing or not an object. */
function carrierOf(value: unknown): Record<string, string> {
  const carrier: Record<string, string> = {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return carrier;
  }
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === "string") carrier[key] = field;
  }
  return carrier;
}

/** Marks the span failed with what was thrown. */
function failed(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setAttribute("error.type", err.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
}
