import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { buildSchema, type GraphQLSchema } from "graphql";

let cached: GraphQLSchema | undefined;

/** schema.graphql of @octokit/graphql-schema (its `exports` map hides the file from require.resolve). */
function schemaPath(): string {
  const dirs = createRequire(import.meta.url).resolve.paths("@octokit/graphql-schema") ?? [];
  for (const dir of dirs) {
    const candidate = join(dir, "@octokit", "graphql-schema", "schema.graphql");
    if (existsSync(candidate)) return candidate;
  }
  throw new Error("@octokit/graphql-schema is not installed; run npm ci");
}

/**
 * GitHub's real GraphQL schema from @octokit/graphql-schema, built once per process (~0.5 s).
 * `assumeValidSDL`: the published schema.graphql defines two EnterpriseOwnerInfo fields twice,
 * which buildSchema's SDL validation rejects; queries are still validated in full against it.
 */
export function githubSchema(): GraphQLSchema {
  cached ??= buildSchema(readFileSync(schemaPath(), "utf8"), { assumeValidSDL: true });
  return cached;
}
