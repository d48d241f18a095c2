import { Kind, type SelectionSetNode } from "graphql";
import { parseOperation } from "./parse-operation.js";

/**
 * Differences between a JSON response and the selection of a query: every selected field must
 * be in the response and nothing else, recursively (inline fragments by `__typename`). Keeps the
 * hand-written fixtures true to what the query really returns.
 */
export function shapeMismatches(query: string, data: unknown): string[] {
  const { operation, fragments } = parseOperation(query);
  const problems: string[] = [];

  const fieldsOf = (set: SelectionSetNode, typename: string | undefined, out: Map<string, SelectionSetNode | undefined>) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        out.set(sel.alias?.value ?? sel.name.value, sel.selectionSet);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        if (!sel.typeCondition || sel.typeCondition.name.value === typename) fieldsOf(sel.selectionSet, typename, out);
      } else {
        const frag = fragments.get(sel.name.value);
        if (frag) fieldsOf(frag.selectionSet, typename, out);
      }
    }
  };

  const walk = (set: SelectionSetNode, value: unknown, path: string) => {
    if (value === null) return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(set, item, `${path}[${i}]`));
      return;
    }
    if (typeof value !== "object") {
      problems.push(`${path}: expected an object`);
      return;
    }
    const obj = value as Record<string, unknown>;
    const expected = new Map<string, SelectionSetNode | undefined>();
    fieldsOf(set, typeof obj["__typename"] === "string" ? obj["__typename"] : undefined, expected);
    for (const key of expected.keys()) if (!(key in obj)) problems.push(`${path}.${key}: missing`);
    for (const key of Object.keys(obj)) if (!expected.has(key)) problems.push(`${path}.${key}: not selected`);
    for (const [key, sub] of expected) if (sub && key in obj) walk(sub, obj[key], `${path}.${key}`);
  };

  walk(operation.selectionSet, data, "data");
  return problems;
}
