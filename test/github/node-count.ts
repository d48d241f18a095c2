import {
  Kind,
  parse,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

/**
 * GitHub's "possible nodes" of a query, computed as its docs describe the node limit: every
 * connection asked with `first`/`last: n` under parents asking for p items adds p x n.
 * Only literal page sizes (the queries here use no variable sizes).
 */
export function possibleNodes(query: string): number {
  const doc = parse(query);
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const def of doc.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    if (def.kind === Kind.OPERATION_DEFINITION) operation = def;
  }
  if (!operation) throw new Error("no operation");

  const walk = (set: SelectionSetNode, multiplier: number): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const size = sel.arguments?.find((a) => a.name.value === "first" || a.name.value === "last");
        const n = size && size.value.kind === Kind.INT ? Number(size.value.value) : undefined;
        const here = n === undefined ? multiplier : multiplier * n;
        if (n !== undefined) total += here;
        if (sel.selectionSet) total += walk(sel.selectionSet, here);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        total += walk(sel.selectionSet, multiplier);
      } else {
        const frag = fragments.get(sel.name.value);
        if (frag) total += walk(frag.selectionSet, multiplier);
      }
    }
    return total;
  };
  return walk(operation.selectionSet, 1);
}
