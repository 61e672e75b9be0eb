// Tracing with OpenTelemetry: one trace from the code that pushes a job, through the job, to
// the jobs it pushes in turn. Two middleware, built on @opentelemetry/api alone (an optional
// peer of this package; set up the SDK, exporter and context manager in your application):
//
//   tracePush(): producer middleware. Starts a PRODUCER span "send <queue>" around each push
//     and writes the trace context into the job, as custom.otel ({ traceparent, tracestate },
//     whatever the global propagator writes).
//   traceJobs(): worker middleware. Reads custom.otel and runs the job inside a CONSUMER span
//     "process <queue>", a child of the push's span, so pushes the job makes through ctx.with
//     (with tracePush in the Manager's pushMiddleware) continue the trace.
//
// Span names and attributes follow the OpenTelemetry semantic conventions for messaging. A job
// without custom.otel starts a trace of its own. With no SDK registered, both middleware do
// nothing visible: jobs are pushed and run as without them.
//
// Copy this file into your project and import the types from "@x/faktory-worker".
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

/** The key of `custom` that carries the trace context from a push to its job. */
export const TRACE_CONTEXT_KEY = "otel";

/** The instrumentation scope of the default tracer. */
export const TRACER_NAME = "@x/faktory-worker";

/**
 * Producer middleware: a PRODUCER span around each push, whose context goes into the job's
 * `custom.otel`. The span is a child of the active span (say, the HTTP request that pushes).
 *
 * @param tracer The tracer; by default the global provider's, named {@linkcode TRACER_NAME}.
 * @returns The middleware, for `Client.connect({ middleware })`, `client.use`, `new Pool` or
 *   the Manager's `pushMiddleware`.
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
    "messaging.system.name": "faktory",
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
