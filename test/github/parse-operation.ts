import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";

/** A query's one operation and its fragments by name, for the test helpers that walk selections. */
export function parseOperation(query: string): { operation: OperationDefinitionNode; fragments: Map<string, FragmentDefinitionNode> } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const def of parse(query).definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    if (def.kind === Kind.OPERATION_DEFINITION) operation = def;
  }
  if (!operation) throw new Error("no operation in query");
  return { operation, fragments };
}
