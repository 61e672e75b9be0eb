// Type-level check, run by `npm run check` with both tsc (typecheck/tsconfig.jobs.json) and
// `deno check`; never executed. Everywhere a job definition is accepted, the arguments are
// checked against the definition's types: each `@ts-expect-error` below must be an error, so an
// argument list that stops being refused fails the check as an unused directive.
import {
  type Batch,
  type Client,
  createJob,
  defineJob,
  type Handler,
  type JobContext,
  type JobDefinition,
  type Manager,
  type Pool,
} from "../mod.ts";
import { runInline } from "../testing/mod.ts";

const SendEmail = defineJob<[to: string, count: number]>("SendEmail");
const to = "a@example.com";
const Notify = defineJob<[to: string, count?: number]>("Notify");

/** Client.push and Client.pushBulk, with a definition and with plain names. */
export async function clientCalls(client: Client): Promise<void> {
  await client.push(SendEmail, [to, 1]);
  await client.push(SendEmail, [to, 1], { queue: "mail", retry: 3 });
  await client.push(SendEmail, [to, 1] as const);
  await client.push(SendEmail.create([to, 1]));
  await client.push("X", [1, "anything", { a: [true, null] }]);
  await client.push("X", []);
  await client.push("X");
  await client.push(Notify, [to]);
  await client.push(Notify, [to, 2]);
  // @ts-expect-error an optional argument keeps its type
  await client.push(Notify, [to, "2"]);
  // @ts-expect-error too few arguments
  await client.push(SendEmail, [to]);
  // @ts-expect-error too many arguments
  await client.push(SendEmail, [to, 1, true]);
  // @ts-expect-error a wrong argument type
  await client.push(SendEmail, [to, "1"]);
  // @ts-expect-error swapped argument types
  await client.push(SendEmail, [1, to]);
  // @ts-expect-error no arguments at all
  await client.push(SendEmail);

  await client.pushBulk(SendEmail, [[to, 1], [to, 2]]);
  await client.pushBulk(SendEmail, [[to, 1]], { queue: "mail" });
  await client.pushBulk([SendEmail.create([to, 1]), createJob("X", [1, "a"])]);
  // @ts-expect-error too few arguments
  await client.pushBulk(SendEmail, [[to, 1], [to]]);
  // @ts-expect-error too many arguments
  await client.pushBulk(SendEmail, [[to, 1, true]]);
  // @ts-expect-error a wrong argument type
  await client.pushBulk(SendEmail, [[to, "1"]]);
  // @ts-expect-error swapped argument types
  await client.pushBulk(SendEmail, [[1, to]]);
}

/** Batch.push and Batch.pushBulk, with a definition and with plain names. */
export async function batchCalls(batch: Batch): Promise<void> {
  await batch.push(SendEmail, [to, 1]);
  await batch.push(SendEmail, [to, 1] as const);
  await batch.push("X", [1, "anything"]);
  // @ts-expect-error too few arguments
  await batch.push(SendEmail, [to]);
  // @ts-expect-error too many arguments
  await batch.push(SendEmail, [to, 1, true]);
  // @ts-expect-error a wrong argument type
  await batch.push(SendEmail, [to, "1"]);
  // @ts-expect-error swapped argument types
  await batch.push(SendEmail, [1, to]);

  await batch.pushBulk(SendEmail, [[to, 1], [to, 2]]);
  await batch.pushBulk([createJob("X", [1, "a"])]);
  // @ts-expect-error too few arguments
  await batch.pushBulk(SendEmail, [[to]]);
  // @ts-expect-error too many arguments
  await batch.pushBulk(SendEmail, [[to, 1, true]]);
  // @ts-expect-error a wrong argument type
  await batch.pushBulk(SendEmail, [[to, "1"]]);
  // @ts-expect-error swapped argument types
  await batch.pushBulk(SendEmail, [[1, to]]);

  const child = await batch.newBatch({ success: createJob("Done") });
  await child.push(SendEmail, [to, 1]);
  // @ts-expect-error swapped argument types
  await child.push(SendEmail, [1, to]);
}

/** The batch of ctx.batch and Client.batch, the clients of ctx.with and Pool.with. */
export async function lentClients(
  ctx: JobContext,
  client: Client,
  pool: Pool,
): Promise<void> {
  await ctx.batch(async (batch) => {
    await batch.push(SendEmail, [to, 1]);
    await batch.pushBulk(SendEmail, [[to, 1]]);
    await batch.push("X", [1, "anything"]);
    // @ts-expect-error too few arguments
    await batch.push(SendEmail, [to]);
    // @ts-expect-error too many arguments
    await batch.push(SendEmail, [to, 1, true]);
    // @ts-expect-error a wrong argument type
    await batch.push(SendEmail, [to, "1"]);
    // @ts-expect-error swapped argument types
    await batch.push(SendEmail, [1, to]);
    // @ts-expect-error swapped argument types
    await batch.pushBulk(SendEmail, [[1, to]]);
  });

  await client.batch({ success: createJob("Done") }, async (batch) => {
    await batch.push(SendEmail, [to, 1]);
    // @ts-expect-error swapped argument types
    await batch.push(SendEmail, [1, to]);
  });

  await ctx.with(async (c) => {
    await c.push(SendEmail, [to, 1]);
    await c.pushBulk(SendEmail, [[to, 1]]);
    await c.push("X", [1, "anything"]);
    // @ts-expect-error too few arguments
    await c.push(SendEmail, [to]);
    // @ts-expect-error too many arguments
    await c.push(SendEmail, [to, 1, true]);
    // @ts-expect-error a wrong argument type
    await c.push(SendEmail, [to, "1"]);
    // @ts-expect-error swapped argument types
    await c.push(SendEmail, [1, to]);
    // @ts-expect-error swapped argument types
    await c.pushBulk(SendEmail, [[1, to]]);
  });

  await pool.with(async (c) => {
    await c.push(SendEmail, [to, 1]);
    await c.push("X", [1, "anything"]);
    // @ts-expect-error too few arguments
    await c.push(SendEmail, [to]);
    // @ts-expect-error too many arguments
    await c.push(SendEmail, [to, 1, true]);
    // @ts-expect-error a wrong argument type
    await c.push(SendEmail, [to, "1"]);
    // @ts-expect-error swapped argument types
    await c.push(SendEmail, [1, to]);
  });
}

/** runInline (testing) with a definition and with a plain name. */
export async function inlineCalls(mgr: Manager): Promise<void> {
  await runInline(mgr, SendEmail, [to, 1]);
  await runInline(mgr, SendEmail, [to, 1], { queue: "mail" });
  await runInline(mgr, SendEmail, [to, 1] as const);
  await runInline(mgr, "X", [1, "anything"]);
  await runInline(mgr, "X");
  // @ts-expect-error too few arguments
  await runInline(mgr, SendEmail, [to]);
  // @ts-expect-error too many arguments
  await runInline(mgr, SendEmail, [to, 1, true]);
  // @ts-expect-error a wrong argument type
  await runInline(mgr, SendEmail, [to, "1"]);
  // @ts-expect-error swapped argument types
  await runInline(mgr, SendEmail, [1, to]);
}

/** JobDefinition.create. */
export function createCalls(): void {
  SendEmail.create([to, 1]);
  SendEmail.create([to, 1], { queue: "mail" });
  // @ts-expect-error too few arguments
  SendEmail.create([to]);
  // @ts-expect-error too many arguments
  SendEmail.create([to, 1, true]);
  // @ts-expect-error a wrong argument type
  SendEmail.create([to, "1"]);
  // @ts-expect-error swapped argument types
  SendEmail.create([1, to]);
}

/**
 * Manager.register: the handler's parameters take the definition's types.
 * A handler may leave trailing arguments out (as any callback may), but it
 * may not need more arguments than the definition gives, nor other types.
 */
export function registerCalls(mgr: Manager): void {
  mgr.register(SendEmail, (_ctx, address, count) => {
    const s: string = address;
    const n: number = count;
    return [s, n];
  });
  mgr.register(SendEmail, (_c: JobContext, _t: string, _n: number) => {});
  mgr.register(SendEmail, (_ctx, _to: string) => {});
  mgr.register(SendEmail, () => {});
  mgr.register(SendEmail, (_ctx, ..._args: [to: string]) => {});
  mgr.register(Notify, (_ctx, _to: string, _count?: number) => {});
  mgr.register("X", (_ctx, _a: number, _b: string) => {});
  mgr.register("X", (_ctx, ..._args: unknown[]) => {});
  mgr.register(SendEmail, (_ctx, address) => {
    // @ts-expect-error the first argument is a string
    const n: number = address;
    return n;
  });
  // @ts-expect-error too few arguments: the definition gives two, the handler needs three
  mgr.register(SendEmail, (_c, _t: string, _n: number, _x: boolean) => {});
  // @ts-expect-error too few arguments: a rest of three where the definition has two
  mgr.register(SendEmail, (_ctx, ..._args: [string, number, boolean]) => {});
  // @ts-expect-error a wrong argument type
  mgr.register(SendEmail, (_ctx, _to: string, _count: string) => {});
  // @ts-expect-error swapped argument types
  mgr.register(SendEmail, (_ctx, _count: number, _to: string) => {});
  // @ts-expect-error an optional argument is not always given
  mgr.register(Notify, (_ctx, _to: string, _count: number) => {});
}

/** Code generic over a definition passes its arguments and handler on. */
export async function genericCalls<A extends unknown[]>(
  client: Client,
  mgr: Manager,
  definition: JobDefinition<A>,
  args: A,
  handler: Handler<A>,
): Promise<void> {
  await client.push(definition, args);
  await client.pushBulk(definition, [args, args]);
  await runInline(mgr, definition, args);
  definition.create(args);
  mgr.register(definition, handler);
}
