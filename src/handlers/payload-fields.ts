import { z } from "zod";

// The fields of GitHub webhook payloads that become tags, numbers and times of points, each with
// the form GitHub documents. A payload whose field does not have that form was not sent by GitHub
// as documented (or was forged with the secret): it is refused before anything is written.

/**
 * A GitHub login: letters, digits and hyphens, starting with a letter or digit, at most 39
 * characters (GitHub's username rule; accounts older than the rule may have doubled or trailing
 * hyphens, and Enterprise Managed Users' logins end in `_shortcode`, so those are accepted too).
 * Apps act as `slug[bot]` (e.g. `dependabot[bot]`).
 */
const LOGIN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,38}(?:\[bot\])?$/;

/** A repository name: letters, digits, `.`, `-` and `_`, at most 100 characters; never `.` or `..`. */
const REPOSITORY_NAME = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;

/** ISO-8601 date and time as GitHub writes it: `2019-05-15T15:20:33Z`, optionally with fraction or offset. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** The times InfluxDB can store (int64 nanoseconds since 1970): a point outside them is dead-lettered. */
export const EARLIEST_STORABLE_TIME = Date.parse("1677-09-22T00:00:00Z");
export const LATEST_STORABLE_TIME = Date.parse("2262-04-11T00:00:00Z");

/** GraphQL's Int is 32-bit: a pull request number above it cannot be looked up. */
const MAX_PR_NUMBER = 2 ** 31 - 1;

const LOGIN_EXPECTED = "a GitHub login (letters, digits, hyphens; at most 39 characters; apps end in [bot])";
const NAME_EXPECTED = "a repository name (letters, digits, '.', '-', '_'; at most 100 characters)";
const FULL_NAME_EXPECTED = `"owner/name" of a GitHub repository`;
const TIME_EXPECTED = "an ISO-8601 time such as 2019-05-15T15:20:33Z, between 1677-09-22 and 2262-04-11";

/** A user's, organization's or app's login. */
export const login = z.string({ error: `expected ${LOGIN_EXPECTED}` }).regex(LOGIN, { error: `expected ${LOGIN_EXPECTED}` });

/** A repository's name (without its owner). */
export const repositoryName = z.string({ error: `expected ${NAME_EXPECTED}` }).regex(REPOSITORY_NAME, { error: `expected ${NAME_EXPECTED}` });

/** `owner/name`. */
export const repositoryFullName = z.string({ error: `expected ${FULL_NAME_EXPECTED}` }).refine(
  (s) => {
    const parts = s.split("/");
    return parts.length === 2 && LOGIN.test(parts[0]!) && REPOSITORY_NAME.test(parts[1]!);
  },
  { error: `expected ${FULL_NAME_EXPECTED}` },
);

/** A pull request (or issue) number. */
const PR_NUMBER_EXPECTED = `expected a pull request number (a whole number from 1 to ${MAX_PR_NUMBER})`;
export const prNumber = z.int({ error: PR_NUMBER_EXPECTED }).min(1, { error: PR_NUMBER_EXPECTED }).max(MAX_PR_NUMBER, { error: PR_NUMBER_EXPECTED });

/** A GitHub database id (repositories, installations, comments): positive, and exact as a JS number. */
const ID_EXPECTED = "expected a GitHub id (a positive whole number)";
export const databaseId = z.int({ error: ID_EXPECTED }).min(1, { error: ID_EXPECTED }).max(Number.MAX_SAFE_INTEGER, { error: ID_EXPECTED });

/** A time GitHub sent (created_at, closed_at, ...), which becomes a point's time. */
export const isoTime = z.string({ error: `expected ${TIME_EXPECTED}` }).refine(
  (s) => {
    if (!ISO_TIME.test(s)) return false;
    const t = Date.parse(s);
    return t >= EARLIEST_STORABLE_TIME && t <= LATEST_STORABLE_TIME;
  },
  { error: `expected ${TIME_EXPECTED}` },
);

/** A git commit id (SHA-1, as GitHub uses). */
export const commitSha = z.string({ error: "expected a commit SHA (40 hexadecimal digits)" }).regex(/^[0-9a-f]{40}$/i, { error: "expected a commit SHA (40 hexadecimal digits)" });
