import { Probot } from "probot";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { EventHooks } from "../../src/handlers/event-hooks.js";
import { recordingLog } from "../helpers/silent-log.js";
import { TestOctokit, testProbot } from "../helpers/test-probot.js";
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

  it("checks every family's payload shape before any family runs: a malformed payload is logged and acknowledged, no family runs", async () => {
    const { log, entries } = recordingLog();
    const probot = new Probot({ githubToken: "t", Octokit: TestOctokit, log });
    const hooks = new EventHooks();
    const ran: string[] = [];
    hooks.checking({ pull_request: z.looseObject({ label: z.looseObject({ name: z.string() }) }) }).on("pull_request.labeled", () => void ran.push("a"));
    hooks.checking({ pull_request: z.looseObject({ number: z.int().min(1) }) }).on("pull_request.labeled", () => void ran.push("b"));
    hooks.attach(probot);
    const delivery = labeled();
    delivery.payload.number = -2;
    await expect(probot.receive(delivery)).resolves.toBeUndefined();
    expect(ran).toEqual([]);
    expect(entries.filter((e) => String(e["msg"]).startsWith("malformed"))).toMatchObject([
      { delivery: "d-1", event: "pull_request.labeled", problems: [{ path: "number", got: "-2" }] },
    ]);
    await probot.receive(labeled());
    expect(ran).toEqual(["a", "b"]);
  });

  it("fails the delivery on a TypeError thrown by a handler (our bug, not a malformed payload)", async () => {
    const probot = testProbot();
    const hooks = new EventHooks();
    hooks.checking({ pull_request: z.looseObject({}) }).on("pull_request.labeled", (context) => {
      return (context.payload as any).no_such_object.field;
    });
    hooks.attach(probot);
    await expect(probot.receive(labeled())).rejects.toThrow(/Cannot read properties of undefined/);
  });

  describe("with several replicas (a shared DeliveryClaims)", () => {
    const claims = (answer: "mine" | "taken" | "busy" | "unavailable") => {
      const settled: Array<[string, boolean]> = [];
      return { settled, shared: { claim: async () => answer, settle: async (id: string, ok: boolean) => void settled.push([id, ok]) } };
    };

    it("a delivery another replica recorded is acknowledged and no family runs", async () => {
      const probot = testProbot();
      const { shared, settled } = claims("taken");
      const hooks = new EventHooks(shared);
      let ran = false;
      hooks.on("pull_request.labeled", () => void (ran = true));
      hooks.attach(probot);
      await probot.receive(labeled());
      expect(ran).toBe(false);
      expect(settled).toEqual([]);
    });

    it("a delivery it claimed is settled as recorded, or released when a family failed", async () => {
      const ok = claims("mine");
      const probot = testProbot();
      const hooks = new EventHooks(ok.shared);
      hooks.on("pull_request.labeled", async () => undefined);
      hooks.attach(probot);
      await probot.receive(labeled());
      expect(ok.settled).toEqual([["d-1", true]]);

      const failing = claims("mine");
      const other = testProbot();
      const broken = new EventHooks(failing.shared);
      broken.on("pull_request.labeled", async () => {
        throw new Error("store refused");
      });
      broken.attach(other);
      await expect(other.receive(labeled())).rejects.toThrow("store refused");
      expect(failing.settled).toEqual([["d-1", false]]);
    });

    it("Redis unavailable: the families run (this replica's own dedup applies), nothing to settle", async () => {
      const probot = testProbot();
      const { shared, settled } = claims("unavailable");
      const hooks = new EventHooks(shared);
      let ran = false;
      hooks.on("pull_request.labeled", () => void (ran = true));
      hooks.attach(probot);
      await probot.receive(labeled());
      expect(ran).toBe(true);
      expect(settled).toEqual([]);
    });

    it("a delivery another replica is still recording fails (not acknowledged, so it can be redelivered)", async () => {
      const probot = testProbot();
      const hooks = new EventHooks(claims("busy").shared);
      let ran = false;
      hooks.on("pull_request.labeled", () => void (ran = true));
      hooks.attach(probot);
      await expect(probot.receive(labeled())).rejects.toThrow(/being recorded by another replica/);
      expect(ran).toBe(false);
    });
  });
});
