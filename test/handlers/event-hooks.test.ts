import { describe, expect, it } from "vitest";
import { EventHooks } from "../../src/handlers/event-hooks.js";
import { testProbot } from "../helpers/test-probot.js";
import { webhookExample } from "../helpers/webhook-examples.js";

const labeled = () => ({ id: "d-1", name: "pull_request" as const, payload: webhookExample("pull_request", "labeled") as any });

describe("EventHooks", () => {
  it("gives Probot one hook per event name: every family's handler runs with the same Context", async () => {
    const probot = testProbot();
    const hooks = new EventHooks();
    const seen: Array<[string, unknown]> = [];
    hooks.on(["pull_request.labeled", "pull_request.opened"], async (context) => void seen.push(["a", context]));
    hooks.on("pull_request.labeled", (context) => void seen.push(["b", context]));
    hooks.on("issue_comment.created", (context) => void seen.push(["c", context]));
    hooks.attach(probot);
    await probot.receive(labeled());
    expect(seen.map(([who]) => who)).toEqual(["a", "b"]);
    expect(seen[0]![1]).toBe(seen[1]![1]);
  });

  it("runs every handler even when one fails, and fails the delivery with that error", async () => {
    const probot = testProbot();
    const hooks = new EventHooks();
    let ran = false;
    hooks.on("pull_request.labeled", () => {
      throw new Error("first family broke");
    });
    hooks.on("pull_request.labeled", async () => {
      ran = true;
    });
    hooks.attach(probot);
    await expect(probot.receive(labeled())).rejects.toThrow("first family broke");
    expect(ran).toBe(true);
  });

  it("reports every failure when several handlers fail", async () => {
    const probot = testProbot();
    const hooks = new EventHooks();
    hooks.on("pull_request.labeled", async () => {
      throw new Error("one");
    });
    hooks.on("pull_request.labeled", async () => {
      throw new Error("two");
    });
    hooks.attach(probot);
    await expect(probot.receive(labeled())).rejects.toThrow(/one\ntwo/);
  });
});
