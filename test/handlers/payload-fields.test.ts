import { describe, expect, it } from "vitest";
import { commitSha, databaseId, isoTime, login, prNumber, repositoryFullName, repositoryName } from "../../src/handlers/payload-fields.js";

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, values: unknown[]) => expect(values.filter((v) => !schema.safeParse(v).success)).toEqual([]);
const refused = (schema: { safeParse(v: unknown): { success: boolean } }, values: unknown[]) => expect(values.filter((v) => schema.safeParse(v).success)).toEqual([]);

describe("payload fields", () => {
  it("logins: GitHub's username rule, apps as slug[bot], Enterprise Managed Users' _shortcode", () => {
    ok(login, ["Codertocat", "octo-org", "a", "dependabot[bot]", "github-actions[bot]", "octocat_acme", "x".repeat(39), "old-account-"]);
    refused(login, [{}, 12345, "", "a b", "-leading", "../..", "a/b", "x".repeat(40), "bot]", "name[bot][bot]", "ünïcode"]);
  });

  it("repositories: owner/name with GitHub's allowed characters, never a path", () => {
    ok(repositoryName, ["Hello-World", "hello_world.js", ".github", "a".repeat(100)]);
    refused(repositoryName, [".", "..", "a/b", "", "a b", "a".repeat(101), 12345]);
    ok(repositoryFullName, ["Codertocat/Hello-World", "octo-org/.github", "dependabot[bot]/x"]);
    refused(repositoryFullName, [12345, "../../etc/passwd", "Codertocat", "a/b/c", "/etc", "owner/..", "own er/x", { full_name: "a/b" }]);
  });

  it("numbers: positive whole numbers in range", () => {
    ok(prNumber, [1, 2, 2 ** 31 - 1]);
    refused(prNumber, [0, -1, 2.5, 2 ** 31, 1e308, Infinity, NaN, "2", null]);
    ok(databaseId, [1, 1_296_269, 2_147_483_648, Number.MAX_SAFE_INTEGER]);
    refused(databaseId, [0, -5, 1.5, 2 ** 53, "1"]);
  });

  it("times: ISO-8601 as GitHub writes them, within what InfluxDB stores", () => {
    ok(isoTime, ["2019-05-15T15:20:33Z", "2019-05-15T15:20:55+00:00", "2019-05-15T15:20:33.123Z", "1677-09-22T00:00:00Z", "2262-04-10T23:59:59Z"]);
    refused(isoTime, ["+275760-09-13T00:00:00.000Z", "9999-12-31T23:59:59Z", "1500-01-01T00:00:00Z", "2019-05-15", "2019-05-15 15:20:33", "yesterday", "2019-13-45T10:00:00Z", 1557933633, null]);
  });

  it("commit SHAs: 40 hexadecimal digits", () => {
    ok(commitSha, ["ec26c3e57ca3a959ca5aad62de7213c562f8c821", "EC26C3E57CA3A959CA5AAD62DE7213C562F8C821"]);
    refused(commitSha, ["ec26c3e", "HEAD~1", "../../x", "g".repeat(40), 12345]);
  });
});
