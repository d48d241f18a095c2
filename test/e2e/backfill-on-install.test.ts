import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { exampleOf, restUser, type FakeRepo } from "../helpers/fake-github/index.js";
import { waitForJournal } from "../helpers/journal-points.js";
import { startE2e, type E2e } from "./e2e-harness.js";

/** `installation_repositories.added` for `repos`, shaped like GitHub's (from @octokit/webhooks-examples). */
function reposAdded(e: E2e, repos: FakeRepo[]) {
  const installation = e.gh.model.installationOf(repos[0]!);
  const template = exampleOf("installation_repositories", "added");
  return {
    name: "installation_repositories",
    id: randomUUID(),
    payload: {
      ...template,
      installation: { ...(template["installation"] as object), id: installation.id, account: restUser(installation.account) },
      repositories_added: repos.map((r) => ({ id: r.id, node_id: `R_${r.id}`, name: r.name, full_name: r.fullName, private: r.private })),
      repositories_removed: [],
      sender: restUser(e.gh.model.user("admin")),
    },
  };
}

describe("backfill on install", () => {
  let e: E2e;
  beforeAll(async () => {
    e = await startE2e({ env: { BACKFILL_ON_INSTALL_DAYS: "30" } });
  });
  afterAll(async () => {
    await e?.close();
  });

  it("installation_repositories.added backfills the new repository in the background, while live webhooks are observed", async () => {
    const m = e.gh.model;
    const repo = m.addRepo("acme/legacy", { requiredApprovals: 0 });
    const old = m.openPullRequest(repo, { author: "dev" });
    m.completeCheck(old, "build", "SUCCESS");
    m.merge(old, "alice");
    const open = m.openPullRequest(repo, { author: "dev" });

    await e.deliver(reposAdded(e, [repo]), e.payloads.pullRequest(open, "opened"));
    // Live capture is not held up by the backfill.
    await e.waitForTruth(open);
    const { value } = await waitForJournal(e.app.dataDir, (points) => {
      const outcome = points.find((p) => p.measurement === "outcome" && p.tags["pr"] === String(old.number) && p.tags["repo"] === repo.fullName);
      const rebuilt = points.filter((p) => p.measurement === "pr_observation" && p.tags["pr"] === String(old.number) && p.fields["reconstructed"] === true);
      return outcome && rebuilt.length >= 1 ? { outcome, rebuilt } : undefined;
    });
    expect(value.outcome.fields).toMatchObject({ result: "success", detail: "merged by alice", source: "backfill" });
    // Opened, checked and merged within one second (GitHub's times have whole seconds): one point, merged.
    expect(value.rebuilt.at(-1)!.fields).toMatchObject({ state: "MERGED", checks_passing: 1, reconstructed: true });
    expect(e.app.output.filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
  }, 60_000);

  it("BACKFILL_ON_INSTALL_DAYS: 30 by default, 0 turns it off, anything else is refused", () => {
    expect(loadConfig({}).backfillOnInstallDays).toBe(30);
    expect(loadConfig({ BACKFILL_ON_INSTALL_DAYS: "0" }).backfillOnInstallDays).toBe(0);
    expect(() => loadConfig({ BACKFILL_ON_INSTALL_DAYS: "-1" })).toThrow(/BACKFILL_ON_INSTALL_DAYS/);
  });
});
