import { schema as githubSchemaFiles } from "@octokit/graphql-schema";
import { buildSchema, parse, validate, type GraphQLSchema } from "graphql";

let schema: GraphQLSchema | undefined;

/**
 * GitHub's public GraphQL schema (schema.graphql of @octokit/graphql-schema), built once per file.
 * `assumeValidSDL`: GitHub's published SDL defines `EnterpriseOwnerInfo.repositoryDeployKeySetting`
 * twice, which graphql-js refuses as a schema; that check is about the schema's own text and
 * does not weaken query validation below.
 */
export function githubSchema(): GraphQLSchema {
  schema ??= buildSchema(githubSchemaFiles.idl, { assumeValidSDL: true });
  return schema;
}

/** The validation errors of a query against GitHub's schema (empty when valid). */
export function validationErrors(query: string): string[] {
  return validate(githubSchema(), parse(query)).map((e) => e.message);
}
