// The Manager's lifecycle is one transition table: every legal change is listed, everything else
// is refused and leaves the state as it was.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Lifecycle,
  type LifecycleEvent,
  type ManagerState,
  transition,
  TRANSITIONS,
} from "../worker/_lifecycle.ts";

const STATES: ManagerState[] = [
  "idle",
  "running",
  "quiet",
  "stopping",
  "stopped",
];
const EVENTS: LifecycleEvent[] = ["run", "quiet", "stop", "fail", "finish"];

const LEGAL: [ManagerState, LifecycleEvent, ManagerState][] = [
  ["idle", "run", "running"],
  ["idle", "stop", "stopped"],
  ["running", "quiet", "quiet"],
  ["running", "stop", "stopping"],
  ["running", "fail", "stopped"],
  ["quiet", "stop", "stopping"],
  ["quiet", "fail", "stopped"],
  ["stopping", "finish", "stopped"],
];

test("transition() allows exactly the listed changes and refuses every other state × event", () => {
  for (const from of STATES) {
    for (const event of EVENTS) {
      const legal = LEGAL.find(([f, e]) => f === from && e === event);
      assert.equal(transition(from, event), legal?.[2], `${from} --${event}`);
    }
  }
  assert.deepEqual(TRANSITIONS.stopped, {}, "stopped is final");
});

test("transition() reaches every state from idle, and stopped from every state", () => {
  const reachable = new Set<ManagerState>(["idle"]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [from, , to] of LEGAL) {
      if (reachable.has(from) && !reachable.has(to)) {
        reachable.add(to);
        grew = true;
      }
    }
  }
  assert.deepEqual([...reachable].sort(), [...STATES].sort());
  for (const from of STATES) {
    let state = from;
    for (const event of ["stop", "finish"] as const) {
      state = transition(state, event) ?? state;
    }
    assert.equal(state, "stopped", `from ${from}`);
  }
});

test("Lifecycle.fire() returns the previous state, or undefined and no change when refused", () => {
  const life = new Lifecycle();
  assert.equal(life.state, "idle");
  assert.equal(life.fetching, false);
  assert.equal(life.fire("quiet"), undefined, "quiet before run is refused");
  assert.equal(life.state, "idle");
  assert.equal(life.fire("run"), "idle");
  assert.equal(life.fetching, true);
  assert.equal(life.fire("run"), undefined, "run twice is refused");
  assert.equal(life.fire("quiet"), "running");
  assert.equal(life.fetching, false);
  assert.equal(life.fire("quiet"), undefined, "quiet twice is refused");
  assert.equal(life.fire("stop"), "quiet");
  assert.equal(life.state, "stopping");
  assert.equal(
    life.fire("fail"),
    undefined,
    "a failure during shutdown is refused",
  );
  assert.equal(life.fire("stop"), undefined);
  assert.equal(life.fire("finish"), "stopping");
  for (const event of EVENTS) assert.equal(life.fire(event), undefined);
  assert.equal(life.state, "stopped");
});
