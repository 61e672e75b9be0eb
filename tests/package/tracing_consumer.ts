// A consumer of the published tracing subpath, with @opentelemetry/api installed next to the
// package and no OpenTelemetry SDK: a tracer of its own keeps the spans in memory, and a
// propagator of its own writes and reads the W3C traceparent. A job pushed through tracePush
// carries its span's context; traceJobs runs it in a span that continues it, and marks the
// span of a job that throws. The package check compiles it for plain `node`, runs it with
// `bun run`, and type-checks it with tsc.
import {
  type Attributes,
  type AttributeValue,
  type Context,
  context,
  type Exception,
  type Link,
  propagation,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  type SpanStatus,
  SpanStatusCode,
  type TextMapPropagator,
  type TimeInput,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import { Client, Manager } from "@x/faktory-worker";
import { FaktoryServer } from "@x/faktory-worker/testing";
import {
  TRACE_CONTEXT_KEY,
  traceJobs,
  tracePush,
} from "@x/faktory-worker/tracing";

let ids = 0;
const hex = (width: number) => (++ids).toString(16).padStart(width, "0");

/** A span that records what the middleware tell it. */
class RecordedSpan implements Span {
  readonly context: SpanContext;
  readonly attributes: Attributes;
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  exceptions: Exception[] = [];
  ended = false;
  constructor(
    public name: string,
    readonly kind: SpanKind | undefined,
    readonly parent: SpanContext | undefined,
    attributes: Attributes | undefined,
  ) {
    this.context = {
      traceId: parent?.traceId ?? hex(32),
      spanId: hex(16),
      traceFlags: 1,
    };
    this.attributes = { ...attributes };
  }
  spanContext(): SpanContext {
    return this.context;
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    Object.assign(this.attributes, attributes);
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(_link: Link): this {
    return this;
  }
  addLinks(_links: Link[]): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.status = status;
    return this;
  }
  updateName(name: string): this {
    this.name = name;
    return this;
  }
  end(_time?: TimeInput): void {
    this.ended = true;
  }
  isRecording(): boolean {
    return !this.ended;
  }
  recordException(exception: Exception, _time?: TimeInput): void {
    this.exceptions.push(exception);
  }
}

const spans: RecordedSpan[] = [];
const tracer: Tracer = {
  startSpan(name: string, options: SpanOptions = {}, ctx?: Context): Span {
    const span = new RecordedSpan(
      name,
      options.kind,
      trace.getSpanContext(ctx ?? context.active()),
      options.attributes,
    );
    spans.push(span);
    return span;
  },
  startActiveSpan(): never {
    throw new Error("the tracing middleware start spans with startSpan");
  },
};

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0([01])$/;
const w3c: TextMapPropagator = {
  inject(ctx, carrier, setter) {
    const span = trace.getSpanContext(ctx);
    if (span) {
      setter.set(
        carrier,
        "traceparent",
        `00-${span.traceId}-${span.spanId}-0${span.traceFlags}`,
      );
    }
  },
  extract(ctx, carrier, getter) {
    const value = getter.get(carrier, "traceparent");
    const m = typeof value === "string" ? TRACEPARENT.exec(value) : null;
    if (!m) return ctx;
    return trace.setSpanContext(ctx, {
      traceId: m[1]!,
      spanId: m[2]!,
      traceFlags: Number(m[3]),
      isRemote: true,
    });
  },
  fields: () => ["traceparent"],
};
propagation.setGlobalPropagator(w3c);

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`tracing: ${what}`);
}

const server = await FaktoryServer.start();
const client = await Client.connect({
  url: server.url,
  middleware: [tracePush(tracer)],
});
const mgr = new Manager({
  url: server.url,
  queues: ["default", "billing"],
  logLevel: "error",
  handleSignals: false,
});
mgr.use(traceJobs(tracer));
let carried: unknown;
let done = 0;
mgr.register("SignUp", (ctx, _email: string) => {
  carried = ctx.custom[TRACE_CONTEXT_KEY];
});
mgr.register("Charge", () => {
  throw new RangeError("card declined");
});
const finish = () => {
  if (++done === 2) void mgr.stop();
};
mgr.on("job:success", finish);
mgr.on("job:failure", finish);
await client.push("SignUp", ["ada@example.com"]);
await client.push("Charge", [42], { queue: "billing", retry: 0 });
await mgr.run();
await client.close();
await server.stop();

const named = (name: string): RecordedSpan => {
  const found = spans.filter((s) => s.name === name);
  check(found.length === 1, `one span named ${name}, not ${found.length}`);
  return found[0]!;
};
const send = named("send default");
const processed = named("process default");
const failed = named("process billing");
check(spans.length === 4, `4 spans, not ${spans.length}`);
check(spans.every((s) => s.ended), "every span ended");
check(send.kind === SpanKind.PRODUCER, "the push's span is a PRODUCER");
check(processed.kind === SpanKind.CONSUMER, "the job's span is a CONSUMER");
check(
  JSON.stringify(carried) ===
    JSON.stringify({
      traceparent: `00-${send.context.traceId}-${send.context.spanId}-01`,
    }),
  `the job carries its push's trace context, not ${JSON.stringify(carried)}`,
);
check(
  processed.parent?.spanId === send.context.spanId &&
    processed.parent.isRemote === true &&
    processed.context.traceId === send.context.traceId,
  "the job's span continues the push's trace",
);
check(
  processed.attributes["messaging.system"] === "faktory" &&
    processed.attributes["faktory.job.type"] === "SignUp",
  "the job's span carries the messaging attributes",
);
check(
  failed.status.code === SpanStatusCode.ERROR &&
    failed.status.message === "card declined" &&
    failed.exceptions.length === 1,
  "the span of a job that throws is marked ERROR with its exception",
);
console.log(
  `tracing ok: ${spans.length} spans, jobs continue their push's trace`,
);
