// @x/faktory-worker/tracing: OpenTelemetry spans around pushes and jobs, one trace from the code
// that pushes through the job to the jobs it pushes, against the embedded server.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { Client, createJob, type JsonValue, Manager } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import {
  TRACE_CONTEXT_KEY,
  traceJobs,
  tracePush,
  TRACER_NAME,
} from "../tracing/mod.ts";
import { rig, until } from "./_manager_util.ts";

interface Tracing {
  exporter: InMemorySpanExporter;
  /** A tracer of the test's own, for the spans around a push. */
  tracer: Tracer;
  /** The finished span of this name; fails unless there is exactly one. */
  span(name: string): ReadableSpan;
  /** Waits for every ended span to reach the exporter. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

function disableGlobals(): void {
  trace.disable();
  context.disable();
  propagation.disable();
}

/** Registers a provider that keeps spans in memory, the W3C propagator and AsyncLocalStorage. */
function setUpTracing(): Tracing {
  disableGlobals();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(
    new AsyncLocalStorageContextManager().enable(),
  );
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    exporter,
    tracer: provider.getTracer("tests"),
    span(name) {
      const found = exporter.getFinishedSpans().filter((s) => s.name === name);
      assert.equal(found.length, 1, `spans named ${name}`);
      return found[0]!;
    },
    flush: () => provider.forceFlush(),
    async close() {
      await provider.shutdown();
      disableGlobals();
    },
  };
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

test("tracePush and traceJobs carry one trace from a push through the job to the push it makes", async () => {
  const t = setUpTracing();
  const r = await rig({
    queues: ["default", "mail"],
    pushMiddleware: [tracePush()],
  });
  try {
    r.client.use(tracePush());
    r.manager.use(traceJobs());
    const carried: Record<string, JsonValue | undefined> = {};
    r.manager.register("SignUp", async (ctx, email: string) => {
      carried.SignUp = ctx.custom[TRACE_CONTEXT_KEY];
      await ctx.with((c) => c.push("SendWelcome", [email], { queue: "mail" }));
    });
    r.manager.register("SendWelcome", (ctx) => {
      carried.SendWelcome = ctx.custom[TRACE_CONTEXT_KEY];
    });
    let succeeded = 0;
    r.manager.on("job:success", () => void succeeded++);
    void r.manager.run();

    const request = t.tracer.startSpan("POST /signup");
    const jid = await context.with(
      trace.setSpan(context.active(), request),
      () => r.client.push("SignUp", ["ada@example.com"]),
    );
    request.end();
    await until(
      () =>
        succeeded === 2 && r.server.busy().length === 0 &&
        Object.values(r.server.queues()).every((n) => n === 0),
      20_000,
      "both jobs ACKed",
    );
    await until(
      () => t.exporter.getFinishedSpans().length === 5,
      10_000,
      "five spans",
    );

    const sendSignUp = t.span("send default");
    const processSignUp = t.span("process default");
    const sendWelcome = t.span("send mail");
    const processWelcome = t.span("process mail");
    const all = t.exporter.getFinishedSpans();
    const traceId = request.spanContext().traceId;
    assert.deepEqual(
      all.map((s) => s.spanContext().traceId),
      all.map(() => traceId),
    );
    // request -> send -> process -> send -> process
    assert.equal(parentOf(sendSignUp), request.spanContext().spanId);
    assert.equal(parentOf(processSignUp), idOf(sendSignUp));
    assert.equal(processSignUp.parentSpanContext?.isRemote, true);
    assert.equal(parentOf(sendWelcome), idOf(processSignUp));
    assert.equal(parentOf(processWelcome), idOf(sendWelcome));

    for (const s of [sendSignUp, sendWelcome]) {
      assert.equal(s.kind, SpanKind.PRODUCER);
    }
    for (const s of [processSignUp, processWelcome]) {
      assert.equal(s.kind, SpanKind.CONSUMER);
    }
    for (const s of [sendSignUp, processSignUp, sendWelcome, processWelcome]) {
      assert.equal(s.instrumentationScope.name, TRACER_NAME);
      assert.equal(s.status.code, SpanStatusCode.UNSET);
    }
    assert.deepEqual(sendSignUp.attributes, {
      "messaging.system": "faktory",
      "messaging.operation.type": "send",
      "messaging.operation.name": "send",
      "messaging.destination.name": "default",
      "messaging.message.id": jid,
      "faktory.job.type": "SignUp",
    });
    assert.deepEqual(processSignUp.attributes, {
      "messaging.system": "faktory",
      "messaging.operation.type": "process",
      "messaging.operation.name": "process",
      "messaging.destination.name": "default",
      "messaging.message.id": jid,
      "faktory.job.type": "SignUp",
      "faktory.job.retry_count": 0,
    });
    assert.equal(sendWelcome.attributes["faktory.job.type"], "SendWelcome");
    assert.equal(sendWelcome.attributes["messaging.destination.name"], "mail");
    assert.equal(
      processWelcome.attributes["messaging.message.id"],
      sendWelcome.attributes["messaging.message.id"],
    );

    // What the jobs carried: the W3C trace context of the span that pushed them.
    assert.deepEqual(carried, {
      SignUp: { traceparent: `00-${traceId}-${idOf(sendSignUp)}-01` },
      SendWelcome: { traceparent: `00-${traceId}-${idOf(sendWelcome)}-01` },
    });
  } finally {
    await r.close();
    await t.close();
  }
});

test("traceJobs marks the span of a job that throws ERROR with an exception event, and the job is FAILed", async () => {
  const t = setUpTracing();
  const r = await rig();
  try {
    r.client.use(tracePush());
    r.manager.use(traceJobs());
    r.manager.register("Charge", () => {
      throw new RangeError("card declined");
    });
    let failures = 0;
    r.manager.on("job:failure", () => void failures++);
    void r.manager.run();
    const jid = await r.client.push("Charge", [42], { retry: 3 });
    await until(
      () =>
        failures === 1 && r.server.busy().length === 0 &&
        r.server.retries().length === 1,
      20_000,
      "the job FAILed and scheduled for a retry",
    );
    await until(
      () => t.exporter.getFinishedSpans().length === 2,
      10_000,
      "two spans",
    );
    const [retry] = r.server.retries();
    assert.equal(retry?.jid, jid);
    assert.equal(
      (retry?.failure as { errtype?: string } | undefined)?.errtype,
      "RangeError",
    );

    const send = t.span("send default");
    const processed = t.span("process default");
    assert.equal(send.status.code, SpanStatusCode.UNSET);
    assert.equal(parentOf(processed), idOf(send));
    assert.deepEqual(processed.status, {
      code: SpanStatusCode.ERROR,
      message: "card declined",
    });
    assert.equal(processed.attributes["error.type"], "RangeError");
    assert.deepEqual(processed.events.map((e) => e.name), ["exception"]);
    const event = processed.events[0]!.attributes ?? {};
    assert.equal(event["exception.type"], "RangeError");
    assert.equal(event["exception.message"], "card declined");
    assert.match(String(event["exception.stacktrace"]), /card declined/);
  } finally {
    await r.close();
    await t.close();
  }
});

test("tracePush marks the span of a refused push ERROR, and the push rejects", async () => {
  const t = setUpTracing();
  const server = await FaktoryServer.start();
  const client = await Client.connect({
    url: server.url,
    middleware: [tracePush(), () => {
      throw new TypeError("no tenant");
    }],
  });
  try {
    await assert.rejects(client.push("T", []), /no tenant/);
    await t.flush();
    const send = t.span("send default");
    assert.equal(send.kind, SpanKind.PRODUCER);
    assert.deepEqual(send.status, {
      code: SpanStatusCode.ERROR,
      message: "no tenant",
    });
    assert.equal(send.events[0]?.attributes?.["exception.type"], "TypeError");
    assert.deepEqual(server.queue("default"), []);
  } finally {
    await client.close();
    await server.stop();
    await t.close();
  }
});

test("tracePush gives each job of a pushBulk a span of its own, and its own trace context", async () => {
  const t = setUpTracing();
  const server = await FaktoryServer.start();
  const client = await Client.connect({
    url: server.url,
    middleware: [tracePush()],
  });
  try {
    const jobs = [createJob("A", [1]), createJob("B", [2], { queue: "q" })];
    assert.deepEqual(await client.pushBulk(jobs), {});
    await t.flush();
    const spans = t.exporter.getFinishedSpans();
    assert.deepEqual(spans.map((s) => s.name).sort(), [
      "send default",
      "send q",
    ]);
    const stored = [...server.queue("default"), ...server.queue("q")];
    assert.deepEqual(
      stored.map((j) => (j.custom as Record<string, JsonValue>).otel),
      [t.span("send default"), t.span("send q")].map((s) => ({
        traceparent: `00-${s.spanContext().traceId}-${idOf(s)}-01`,
      })),
    );
  } finally {
    await client.close();
    await server.stop();
    await t.close();
  }
});

test("traceJobs starts a trace of its own for a job without a usable trace context", async () => {
  const t = setUpTracing();
  try {
    const mgr = new Manager({ handleSignals: false, logLevel: "error" });
    mgr.use(traceJobs());
    mgr.register("T", () => {});
    const customs: ({ [key: string]: JsonValue } | undefined)[] = [
      undefined,
      { otel: "00-garbage" },
      { otel: { traceparent: "not a traceparent" } },
      { otel: { traceparent: 42 } },
      { otel: [] },
    ];
    for (const custom of customs) {
      const job = createJob("T", [], custom ? { custom } : {});
      assert.equal((await mgr.execute(job)).ok, true);
    }
    await t.flush();
    const spans = t.exporter.getFinishedSpans();
    assert.equal(spans.length, customs.length);
    for (const s of spans) {
      assert.equal(s.parentSpanContext, undefined);
      assert.equal(s.kind, SpanKind.CONSUMER);
    }
    assert.equal(
      new Set(spans.map((s) => s.spanContext().traceId)).size,
      customs.length,
    );
  } finally {
    await t.close();
  }
});

test("without a registered OpenTelemetry SDK, tracePush and traceJobs change nothing: jobs are pushed and run", async () => {
  disableGlobals();
  const r = await rig({ pushMiddleware: [tracePush()] });
  try {
    r.client.use(tracePush());
    r.manager.use(traceJobs());
    const customs: Record<string, unknown> = {};
    r.manager.register("First", async (ctx) => {
      customs.First = ctx.job.custom;
      await ctx.with((c) => c.push("Second", []));
    });
    r.manager.register("Second", (ctx) => {
      customs.Second = ctx.job.custom;
    });
    let succeeded = 0;
    r.manager.on("job:success", () => void succeeded++);
    void r.manager.run();
    await r.client.push("First", []);
    await until(
      () =>
        succeeded === 2 && r.server.busy().length === 0 &&
        r.server.queues().default === 0,
      20_000,
      "both jobs ACKed",
    );
    assert.deepEqual(customs, { First: undefined, Second: undefined });
  } finally {
    await r.close();
  }
});
