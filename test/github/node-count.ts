import { Kind, type SelectionSetNode } from "graphql";
import { parseOperation } from "./parse-operation.js";

/**
 * GitHub's "possible nodes" of a query, computed as its docs describe the node limit: every
 * connection asked with `first`/`last: n` under parents asking for p items adds p x n.
 * Only literal page sizes (the queries here use no variable sizes).
 */
export function possibleNodes(query: string): number {
  const { operation, fragments } = parseOperation(query);

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
