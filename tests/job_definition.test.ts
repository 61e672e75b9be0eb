import { test } from "node:test";
import assert from "node:assert/strict";
import { Client, defineJob, type JobContext, Manager } from "../mod.ts";
import { FaktoryServer, runInline } from "../testing/mod.ts";

interface Email {
  to: string;
  subject: string;
  cc?: string[];
}

// Argument types declared with an interface (not assignable to a JSON index signature).
const SendEmail = defineJob<[email: Email, attempt: number]>("SendEmail", {
  queue: "mail",
  retry: 5,
});

test("defineJob() takes interface argument types; push, pushBulk and runInline take the definition", async () => {
  const server = await FaktoryServer.start();
  const client = await Client.connect(server.url);
  const email: Email = { to: "a@example.com", subject: "Hi" };
  const jid = await client.push(SendEmail, [email, 1]);
  const refused = await client.pushBulk(SendEmail, [[email, 2], [email, 3]], {
    queue: "bulk-mail",
  });
  assert.deepEqual(refused, {});
  const [pushed] = server.queue("mail");
  assert.equal(pushed?.jid, jid);
  assert.equal(pushed?.jobtype, "SendEmail");
  assert.equal(pushed?.retry, 5);
  assert.deepEqual(pushed?.args, [email, 1]);
  assert.deepEqual(server.queue("bulk-mail").map((j) => j.args), [
    [email, 2],
    [email, 3],
  ]);

  const mgr = new Manager({ handleSignals: false });
  const seen: string[] = [];
  mgr.register(SendEmail, (ctx: JobContext, e, attempt) => {
    seen.push(`${ctx.jobType} ${ctx.queue} ${e.to} ${attempt.toFixed(0)}`);
  });
  const outcome = await runInline(mgr, SendEmail, [email, 4]);
  assert.equal(outcome.ok, true);
  assert.deepEqual(seen, ["SendEmail mail a@example.com 4"]);

  if (false as boolean) {
    // Type checks only: wrong arguments do not compile.
    // @ts-expect-error a number is not an Email
    await client.push(SendEmail, [1, 1]);
    // @ts-expect-error the attempt is missing
    await client.pushBulk(SendEmail, [[email]]);
    // @ts-expect-error a string is not a number
    await runInline(mgr, SendEmail, [email, "1"]);
    // @ts-expect-error the handler's argument types must match
    mgr.register(SendEmail, (_ctx: JobContext, _e: string) => {});
  }
  await client.close();
  await server.stop();
});
