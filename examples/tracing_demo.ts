// The tracing middleware of @x/faktory-worker/tracing at work, on the embedded server: a
// "request" pushes a SignUp job, the job pushes a SendWelcome job, and the spans are printed as
// one trace tree. A real application registers an exporter (OTLP, say) instead of keeping spans
// in memory. Runs unchanged with any runtime, from the repository root:
//   deno run --allow-net=127.0.0.1 --allow-sys=hostname "--allow-env=OTEL_*" examples/tracing_demo.ts
//   bun run examples/tracing_demo.ts
//   npx tsx examples/tracing_demo.ts
// Deno needs the network for the embedded server on 127.0.0.1, the host name for HELLO, and
// the OTEL_* variables the SDK reads for its defaults (sampler, span limits).
// "@x/faktory-worker/tracing" resolves to tracing/mod.ts here through deno.json "imports"
// (Deno) and tsconfig.json "paths" (tsx, Bun); in your project, through the installed package.
import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { Client, Manager } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { traceJobs, tracePush } from "@x/faktory-worker/tracing";

// The SDK: a provider, how the context follows async calls, and the W3C propagator.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const server = await FaktoryServer.start();
const client = await Client.connect({
  url: server.url,
  middleware: [tracePush()],
});
const mgr = new Manager({
  url: server.url,
  queues: ["default", "mail"],
  handleSignals: false,
  logLevel: "warn",
  pushMiddleware: [tracePush()], // pushes made through ctx.with
});
mgr.use(traceJobs());
mgr.register("SignUp", async (ctx, email: string) => {
  await ctx.with((c) => c.push("SendWelcome", [email], { queue: "mail" }));
});
let done = 0;
mgr.register("SendWelcome", () => void done++);
const running = mgr.run();

const tracer = trace.getTracer("demo");
await tracer.startActiveSpan("POST /signup", async (span) => {
  await client.push("SignUp", ["ada@example.com"]);
  span.end();
});
while (done === 0 || server.busy().length > 0) {
  await new Promise((resolve) => setTimeout(resolve, 10));
}
await mgr.stop();
await running;
await client.close();
await server.stop();
await provider.forceFlush();

// One line per span, indented under its parent.
const spans = exporter.getFinishedSpans();
const children = (parent: string | undefined): ReadableSpan[] =>
  spans.filter((s) => s.parentSpanContext?.spanId === parent);
const print = (span: ReadableSpan, depth: number): void => {
  const kind = span.kind === SpanKind.INTERNAL
    ? ""
    : ` (${SpanKind[span.kind].toLowerCase()})`;
  const type = span.attributes["faktory.job.type"];
  console.log(
    `${"  ".repeat(depth)}${span.name}${kind}${type ? ` ${type}` : ""}`,
  );
  for (const child of children(span.spanContext().spanId)) {
    print(child, depth + 1);
  }
};
for (const root of children(undefined)) {
  console.log(`trace ${root.spanContext().traceId}`);
  print(root, 1);
}
await provider.shutdown();
