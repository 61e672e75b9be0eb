// The worker's metrics through the real OpenTelemetry SDK (a MeterProvider registered as the
// global one, read by an in-memory exporter): the names, units, bucket boundaries and values
// an exporter such as Prometheus's would see.
import { test } from "node:test";
import assert from "node:assert/strict";
import { metrics } from "@opentelemetry/api";
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { createJob } from "../mod.ts";
import { rig, until } from "./_manager_util.ts";

test("Manager metrics through the OpenTelemetry SDK: names, units, buckets in seconds, values", async () => {
  const exporter = new InMemoryMetricExporter(
    AggregationTemporality.CUMULATIVE,
  );
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: 60_000, // exported on forceFlush below
  });
  const provider = new MeterProvider({ readers: [reader] });
  metrics.disable();
  metrics.setGlobalMeterProvider(provider);
  const r = await rig({ meter: metrics.getMeter("my-worker") });
  try {
    r.manager.register("Ok", () => {});
    r.manager.register("Boom", () => {
      throw new RangeError("out of range");
    });
    void r.manager.run();
    await r.client.pushBulk([
      createJob("Ok", []),
      createJob("Ok", []),
      createJob("Boom", [], { queue: "default" }),
    ]);
    await until(() => r.manager.stats().processed === 3);
    await reader.forceFlush();
    const all = exporter.getMetrics().at(-1)!.scopeMetrics
      .flatMap((s) => s.metrics);
    const metric = (name: string): MetricData => {
      const found = all.find((m) => m.descriptor.name === name);
      assert.ok(found, `${name} in ${all.map((m) => m.descriptor.name)}`);
      return found;
    };
    const points = (name: string) =>
      metric(name).dataPoints.map((p) => ({
        attributes: p.attributes,
        value: p.value,
      }));
    const at = (type: string) => ({
      "messaging.destination.name": "default",
      "faktory.job.type": type,
    });

    const duration = metric("messaging.process.duration");
    assert.equal(duration.descriptor.unit, "s");
    assert.equal(duration.dataPointType, DataPointType.HISTOGRAM);
    const byType = new Map(
      duration.dataPoints.map((p) => [
        String(p.attributes["faktory.job.type"]),
        p,
      ]),
    );
    const ok = byType.get("Ok")!;
    assert.deepEqual(ok.attributes, {
      "messaging.system": "faktory",
      "messaging.operation.name": "process",
      ...at("Ok"),
    });
    const okValue = ok.value as {
      count: number;
      buckets: { boundaries: number[] };
    };
    assert.equal(okValue.count, 2);
    assert.deepEqual(okValue.buckets.boundaries, [
      0.005,
      0.01,
      0.025,
      0.05,
      0.075,
      0.1,
      0.25,
      0.5,
      0.75,
      1,
      2.5,
      5,
      7.5,
      10,
    ]);
    assert.equal(byType.get("Boom")!.attributes["error.type"], "RangeError");

    const latency = metric("faktory.job.latency");
    assert.equal(latency.descriptor.unit, "s");
    assert.equal(
      (latency.dataPoints[0]!.value as { count: number }).count,
      3,
    );

    assert.deepEqual(
      points("faktory.jobs.processed").sort((a, b) =>
        String(a.attributes["faktory.job.type"]).localeCompare(
          String(b.attributes["faktory.job.type"]),
        )
      ),
      [
        { attributes: at("Boom"), value: 1 },
        { attributes: at("Ok"), value: 2 },
      ],
    );
    assert.deepEqual(points("faktory.jobs.failed"), [
      { attributes: { ...at("Boom"), "error.type": "RangeError" }, value: 1 },
    ]);
    assert.equal(
      metric("messaging.client.consumed.messages").dataPointType,
      DataPointType.SUM,
    );
    assert.deepEqual(points("faktory.worker.busy"), [
      { attributes: {}, value: 0 },
    ]);
    assert.deepEqual(points("faktory.worker.concurrency"), [
      { attributes: {}, value: 5 },
    ]);
    assert.deepEqual(points("faktory.worker.reconnects"), [
      { attributes: {}, value: 0 },
    ]);
    assert.deepEqual(points("faktory.worker.results.resent"), [
      { attributes: {}, value: 0 },
    ]);
  } finally {
    await r.close();
    await provider.shutdown();
    metrics.disable();
  }
});
