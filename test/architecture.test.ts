import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// The arrows of docs/architecture.md, checked against the relative imports of src/**/*.ts
// (parsed with TypeScript's own parser, so `import type` and re-exports are read as the compiler
// reads them). A part is a folder of src/ or a file at its root (without .ts).

const SRC = resolve(import.meta.dirname, "../src");

/** Every part may import these: the typed errors and the one config loader. */
const SHARED = ["errors", "config"];

/** What each part may import besides itself and SHARED (docs/architecture.md, "Arrows"). */
const ALLOWED: Record<string, readonly string[]> = {
  // Entry points: wire everything, nothing imports them (index.ts and main.ts import app.ts).
  app: ["*"],
  index: ["app"],
  main: ["app", "data-dir-lock", "http", "replicas", "with-dot-env"],
  cli: ["actions", "backfill", "dataset", "github", "outcomes", "repo-config", "report", "store", "sweep", "with-dot-env"],
  // Leaves.
  errors: [],
  config: ["with-dot-env"],
  "with-dot-env": [],
  "data-dir-lock": [],
  // The runtime every delivery shares: types of the parts it holds.
  runtime: ["actions", "repo-config", "store"],
  github: ["repo-config"],
  signals: ["github"],
  store: [],
  "repo-config": [],
  actions: ["store", "runtime"],
  outcomes: ["actions", "store"],
  pipeline: ["actions", "github", "repo-config", "signals", "store"],
  handlers: ["actions", "backfill", "github", "outcomes", "pipeline", "repo-config", "runtime", "signals", "store"],
  sweep: ["actions", "github", "outcomes", "pipeline", "repo-config", "runtime", "signals", "store"],
  // History backfill: the timeline replayed through the live path's signal, point and store code.
  backfill: ["actions", "github", "outcomes", "pipeline", "repo-config", "runtime", "signals", "store", "sweep"],
  http: ["actions", "outcomes", "pipeline", "runtime", "store"],
  dataset: ["store"],
  // The app's own Prometheus metrics: prom-client only; the app wires what they count.
  metrics: [],
  // The HTML report and the per-PR timeline: read through store/, figures from dataset/'s stats.
  report: ["dataset", "store"],
  // The app's one read of the journal at start: the counters', the redelivery checks' and the sweep's.
  startup: ["actions", "store", "sweep"],
  // What replicas share through Redis (delivery dedup, sweep lock): a leaf the wiring hands to the others as values.
  replicas: [],
};

/** Arrows that may carry types only: signals are data in, fields out; GitHub's shapes are their input. */
const TYPE_ONLY: ReadonlyArray<[string, string]> = [["signals", "github"]];

/**
 * The journal's line format and files are store/'s alone: outside it nothing imports a value from
 * these modules (readers use store/'s reader API), and the parts below read no file themselves.
 */
const STORE_INTERNALS = ["store/journal-line.ts", "store/journal.ts"];
const NO_FILE_ACCESS = ["actions", "outcomes", "handlers", "signals", "github"];
const FILE_MODULES = new Set(["fs", "node:fs", "fs/promises", "node:fs/promises", "readline", "node:readline"]);

/**
 * Imports that break a rule above on purpose, each with its reason. The delivery log is an
 * append-only journal of its own (DATA_DIR/deliveries): it writes with store/'s Journal class
 * and reads through store/'s reader API, like any other journal.
 */
const KNOWN_EXCEPTIONS: readonly string[] = ["src/pipeline/delivery-log.ts -> src/store/journal.ts"];

interface Import {
  /** src/... of the importing file. */
  from: string;
  /** src/... of the imported file, or the bare module name (node:fs). */
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const srcPath = (file: string) => "src/" + relative(SRC, file).split(sep).join("/");

function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const out: Import[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    const to = specifier.startsWith(".") ? srcPath(resolve(dirname(file), specifier).replace(/\.js$/, ".ts")) : specifier;
    out.push({ from: srcPath(file), to, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const allTypes = clause !== undefined && !clause.name && named !== undefined && named.length > 0 && named.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier.text, clause?.isTypeOnly === true || allTypes);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(node.arguments[0]!)) {
      add((node.arguments[0] as ts.StringLiteral).text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** `github` for src/github/..., `config` for src/config.ts. */
function partOf(path: string): string {
  const [first, second] = path.replace(/^src\//, "").split("/");
  return second === undefined ? first!.replace(/\.ts$/, "") : first!;
}

/**
 * Octokit API calls in a file: `x.rest.…`, `x.paginate…`, `x.hook.…`, `x.request(…)`,
 * `x.graphql(…)`, `x.config.get(…)`. Passing `octokit.graphql` on as a value is no call.
 */
function octokitCallsOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isPropertyAccessExpression(node)) {
      const name = node.name.text;
      const isCall = ts.isCallExpression(node.parent) && node.parent.expression === node;
      const onConfig = ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === "config";
      if (name === "rest" || name === "paginate" || name === "hook" || (isCall && (name === "request" || name === "graphql")) || (isCall && name === "get" && onConfig)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        found.push(`${srcPath(file)}:${line + 1}: ${node.getText().slice(0, 60)}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const files = sourceFiles(SRC);
const imports = files.flatMap(importsOf);
const pending = new Set(KNOWN_EXCEPTIONS);
const edge = (i: Import) => `${i.from} -> ${i.to}`;
const unlessPending = (list: Import[]) => list.filter((i) => !pending.has(edge(i))).map(edge);

describe("architecture (docs/architecture.md)", () => {
  it("every part of src/ has its arrows written down (a new folder needs a line in the doc and here)", () => {
    const parts = [...new Set(files.map((f) => partOf(srcPath(f))))].sort();
    expect(parts).toEqual(Object.keys(ALLOWED).sort());
    const doc = readFileSync(resolve(SRC, "../docs/architecture.md"), "utf8");
    const isFolder = (part: string) => files.some((f) => srcPath(f).startsWith(`src/${part}/`));
    for (const part of parts) expect(doc, `docs/architecture.md names ${part}`).toContain(isFolder(part) ? `${part}/` : `${part}.ts`);
  });

  it("every import between parts follows an allowed arrow", () => {
    const wrong = imports.filter((i) => {
      if (!i.to.startsWith("src/")) return false;
      const from = partOf(i.from);
      const to = partOf(i.to);
      if (from === to || SHARED.includes(to)) return false;
      const allowed = ALLOWED[from] ?? [];
      return !allowed.includes("*") && !allowed.includes(to);
    });
    expect(unlessPending(wrong)).toEqual([]);
  });

  it("no part imports an entry point (app, index, main, cli) except the entry points", () => {
    const entries = ["app", "index", "main", "cli"];
    const wrong = imports.filter((i) => i.to.startsWith("src/") && entries.includes(partOf(i.to)) && !entries.includes(partOf(i.from)));
    expect(unlessPending(wrong)).toEqual([]);
  });

  it("signals import nothing but types from github/, and nothing from store/", () => {
    const wrong = imports.filter((i) =>
      TYPE_ONLY.some(([from, to]) => partOf(i.from) === from && i.to.startsWith(`src/${to}/`) && !i.typeOnly),
    );
    const store = imports.filter((i) => partOf(i.from) === "signals" && i.to.startsWith("src/store/"));
    expect(unlessPending([...wrong, ...store])).toEqual([]);
  });

  it("store/ imports no feature: not handlers, pipeline, dataset, actions, outcomes, sweep, github", () => {
    const wrong = imports.filter((i) => partOf(i.from) === "store" && i.to.startsWith("src/") && !["store", ...SHARED].includes(partOf(i.to)));
    expect(unlessPending(wrong)).toEqual([]);
  });

  it("the journal's format and files are read only inside store/ (readers use its reader API)", () => {
    // A type (SkippedLine, what a reader reports) carries no knowledge of the format: allowed.
    const internals = imports.filter((i) => partOf(i.from) !== "store" && !i.typeOnly && STORE_INTERNALS.some((m) => i.to === `src/${m}`));
    const fileAccess = imports.filter((i) => NO_FILE_ACCESS.includes(partOf(i.from)) && FILE_MODULES.has(i.to));
    expect(unlessPending([...internals, ...fileAccess])).toEqual([]);
  });

  it("nothing outside src/github/ calls octokit (Probot's context.config and app.auth are not octokit calls)", () => {
    const calls = files.filter((f) => !srcPath(f).startsWith("src/github/")).flatMap(octokitCallsOf);
    expect(calls).toEqual([]);
  });

  it("every KNOWN_EXCEPTIONS entry is still a real import (delete one that no longer is)", () => {
    const seen = new Set(imports.map(edge));
    expect(KNOWN_EXCEPTIONS.filter((e) => !seen.has(e))).toEqual([]);
  });
});
