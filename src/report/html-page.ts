import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

/** One chart of a page: rendered in the browser by Observable Plot from `plot`, with its reading under it. */
export interface ChartSpec {
  id: string;
  title: string;
  /** One line saying what the chart shows for this data (computed with the data, never a template). */
  reading: string;
  /** How many marks the chart's main mark draws (a bar, a dot per datum): the browser test counts them. */
  marks: number;
  plot: PlotSpec;
}

/** What the page's script knows how to draw (see CHART_SCRIPT). */
export type PlotSpec =
  | { type: "rate"; data: Array<{ key: string; rate: number; low: number | null; high: number | null; n: number }>; label: string }
  | { type: "distribution"; data: Array<{ key: string; value: number }>; medians: Array<{ key: string; value: number }>; label: string }
  | { type: "bars"; data: Array<{ key: string; value: number }>; label: string }
  | { type: "stacked-days"; data: Array<{ day: string; series: string; value: number }>; label: string }
  | { type: "events"; data: Array<{ time: string; kind: string; label: string }> };

/** Text for HTML (element content and quoted attribute values). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON that can sit inside a <script> element: `<` (so no `</script>` or `<!--` can end or
 * change it), `>`, `&` and the two line separators JavaScript once refused are written as
 * escapes, which JSON.parse reads back as the same characters.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

let libraries: string | undefined;

/**
 * A file of an installed package. Both packages name their UMD build only under an "umd" export
 * condition, which require.resolve cannot ask for: the package's folder is found from its default
 * entry instead.
 */
function packageFile(name: string, file: string): string {
  const entry = createRequire(import.meta.url).resolve(name);
  const folder = join("node_modules", name);
  return join(entry.slice(0, entry.lastIndexOf(folder) + folder.length), file);
}

/**
 * d3 and Observable Plot as the npm packages ship them (UMD builds), read once from
 * node_modules and put inline: the page fetches nothing when it opens (offline, from a CI
 * artifact, an e-mail). Neither file contains `</script`.
 */
function chartLibraries(): string {
  if (libraries === undefined) {
    const d3 = readFileSync(packageFile("d3", "dist/d3.min.js"), "utf8");
    const plot = readFileSync(packageFile("@observablehq/plot", "dist/plot.umd.min.js"), "utf8");
    libraries = `<script>${d3}</script>\n<script>${plot}</script>`;
  }
  return libraries;
}

/**
 * The browser side: draws each chart of the page's data with Plot. The main mark of each chart has
 * the class "primary" on its <g> so a test can count what was drawn. Hand-written:
 * it is the few lines that turn our chart specs into Plot calls.
 */
const CHART_SCRIPT = `
(function () {
  var page = JSON.parse(document.getElementById("page-data").textContent);
  var pct = function (d) { return Math.round(d * 100) + "%"; };
  // Rows in the order the data gives them (Plot would sort them by name).
  var keys = function (data) { return data.map(function (d) { return d.key; }).filter(function (k, i, all) { return all.indexOf(k) === i; }); };
  var draw = {
    rate: function (s) {
      return Plot.plot({ marginLeft: 170, x: { domain: [0, 1], tickFormat: pct, label: s.label, grid: true }, y: { label: null, domain: keys(s.data) },
        marks: [Plot.barX(s.data, { y: "key", x: "rate", fill: "#4e79a7", className: "primary", title: function (d) { return d.key + ": " + pct(d.rate) + " of " + d.n; } }),
          Plot.ruleY(s.data.filter(function (d) { return d.low !== null; }), { y: "key", x1: "low", x2: "high", stroke: "#222", strokeWidth: 2 }),
          Plot.text(s.data, { y: "key", x: "rate", text: function (d) { return pct(d.rate) + " (n=" + d.n + ")"; }, dx: 28, fontSize: 10 })] });
    },
    distribution: function (s) {
      return Plot.plot({ marginLeft: 170, x: { label: s.label, grid: true }, y: { label: null, domain: keys(s.data.concat(s.medians)) },
        marks: [Plot.dot(s.data, { y: "key", x: "value", r: 3, fillOpacity: 0.5, fill: "#4e79a7", className: "primary" }),
          Plot.tickX(s.medians, { y: "key", x: "value", stroke: "#e15759", strokeWidth: 2 })] });
    },
    bars: function (s) {
      return Plot.plot({ marginLeft: 170, x: { label: s.label, grid: true }, y: { label: null, domain: keys(s.data) },
        marks: [Plot.barX(s.data, { y: "key", x: "value", fill: "#59a14f", className: "primary", sort: null }),
          Plot.text(s.data, { y: "key", x: "value", text: function (d) { return String(Math.round(d.value * 10) / 10); }, dx: 16, fontSize: 10 })] });
    },
    "stacked-days": function (s) {
      return Plot.plot({ height: 260, x: { label: null, type: "utc" }, y: { label: s.label, grid: true }, color: { legend: true },
        marks: [Plot.rectY(s.data.map(function (d) { return { day: new Date(d.day + "T00:00:00Z"), series: d.series, value: d.value }; }),
          { x: "day", interval: "day", y: "value", fill: "series", className: "primary", title: function (d) { return d.series + ": " + d.value; } })] });
    },
    events: function (s) {
      var data = s.data.map(function (d) { return { time: new Date(d.time), kind: d.kind, label: d.label }; });
      return Plot.plot({ marginLeft: 90, x: { label: null, type: "utc" }, y: { label: null, domain: ["observation", "action", "outcome"] }, color: { domain: ["observation", "action", "outcome"], range: ["#4e79a7", "#f28e2b", "#59a14f"] },
        marks: [Plot.ruleX(data, { x: "time", stroke: "#ddd" }), Plot.dot(data, { x: "time", y: "kind", fill: "kind", r: 5, className: "primary", title: "label" })] });
    }
  };
  page.charts.forEach(function (chart) {
    var figure = document.getElementById(chart.id);
    figure.querySelector(".chart").appendChild(draw[chart.plot.type](chart.plot));
  });
})();
`;

/** A whole self-contained page: the sections' HTML (already escaped), the charts' data and the script that draws them. */
export function renderPage(options: { title: string; subtitle: string; body: string; charts: ChartSpec[]; data?: Record<string, unknown> }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 980px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.subtitle { color: #666; margin-top: 0; } figure { margin: 1rem 0 2rem; } figcaption { font-weight: 600; }
.reading { color: #444; margin: 0.3rem 0 0; font-style: italic; } .empty { color: #888; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; } td, th { border-bottom: 1px solid #eee; padding: 0.2rem 0.6rem; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } td time { white-space: nowrap; } code { font-size: 0.9em; } details { margin: 0.5rem 0; }
.change { color: #555; } .kind-action { color: #b5651d; } .kind-outcome { color: #2e7d32; } .kind-observation { color: #35618f; }
</style>
</head>
<body>
<h1>${escapeHtml(options.title)}</h1>
<p class="subtitle">${escapeHtml(options.subtitle)}</p>
${options.body}
<script type="application/json" id="page-data">${scriptJson({ charts: options.charts, ...options.data })}</script>
${chartLibraries()}
<script>${CHART_SCRIPT}</script>
</body>
</html>
`;
}

/** A chart's place in the page: its title, the element Plot draws into, and the one-line reading. */
export function chartFigure(chart: ChartSpec): string {
  return `<figure id="${escapeHtml(chart.id)}" data-marks="${chart.marks}">
<figcaption>${escapeHtml(chart.title)}</figcaption>
<div class="chart"></div>
<p class="reading">${escapeHtml(chart.reading)}</p>
</figure>`;
}
