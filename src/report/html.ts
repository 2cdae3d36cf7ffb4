import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { processEventTexts } from '../../components/summary-text.js';
import { binCounts, chooseEdgesUs } from '../../components/latency-rows.js';
import { formatCount, formatLatencyMs, formatRangeUs, formatRate, formatSetting, exitText } from '../../components/format.js';
import { EMPTY_HISTOGRAM, summarizeMs, totalCount } from '../load/histogram.js';
import { activeLoadMs, failedCount, meanTargetRate, rateWindowMs } from '../session/store.js';
import type { SessionState, ShapeCount } from '../session/state.js';
import { deriveInsights } from '../insights/index.js';
import { evaluateGuards } from '../insights/guards.js';
import { commandLine, escapeHtml, htmlText, type ReportFacts } from './environment.js';

/**
 * The shareable report: one HTML file that opens anywhere with no network. The charts are
 * uPlot (canvas), its script and stylesheet read from node_modules when the report is written
 * and inlined; the data goes in as JSON in a <script type="application/json">, the page's own
 * script draws from it. Every string a process chose (comm, cmdline, URL, insight texts that
 * quote them) is HTML-escaped in the markup, and `<` is \u003c inside the JSON, so neither a
 * process name nor `</script>` can end up as markup.
 */

/** Most per-process series drawn; the rest are named as left out (a 64-worker prefork would be a rainbow). */
export const MAX_PROCESS_SERIES = 12;
/** Most histogram buckets: round log-spaced edges (components/latency-rows.ts chooseEdgesUs). */
export const HISTOGRAM_BINS = 40;

/** A mark on the time axis: an insight (numbered as in the list) or a change of the load. */
export interface ReportMarker {
  readonly kind: 'insight' | 'adjustment';
  readonly tS: number;
  /** Short, drawn on the chart: `1`, `→ 80 conns`. */
  readonly label: string;
  /** The whole sentence, for the tooltip. */
  readonly text: string;
}

/** What the page's script draws, all in seconds, counts and milliseconds; embedded as JSON. */
export interface HtmlReportData {
  /** Sample times, seconds since the session started: the x of every time chart. */
  readonly t: readonly number[];
  readonly processes: readonly number[];
  readonly threads: readonly number[];
  readonly running: readonly number[];
  readonly sleeping: readonly number[];
  /** Threads neither running nor sleeping (D, Z, I, T…). */
  readonly other: readonly number[];
  readonly rps: readonly number[];
  /** What the load was set to at each sample; null throughout for a constant closed loop. */
  readonly target: readonly (number | null)[];
  readonly targetUnit: 'req/s' | 'conns' | null;
  readonly p50Ms: readonly (number | null)[];
  readonly p90Ms: readonly (number | null)[];
  readonly p99Ms: readonly (number | null)[];
  /** One step series per pid, at the sample times; null where the process did not exist. */
  readonly perProcess: readonly { readonly pid: number; readonly label: string; readonly threads: readonly (number | null)[] }[];
  /** Processes left out of perProcess (the ones with fewest threads). */
  readonly perProcessHidden: number;
  /** The whole run's latencies in log-spaced buckets. */
  readonly histogram: { readonly labels: readonly string[]; readonly counts: readonly number[]; readonly fromMs: readonly number[]; readonly toMs: readonly number[]; readonly p50Bin: number | null; readonly p99Bin: number | null };
  readonly markers: readonly ReportMarker[];
  /** When load ran, seconds; shaded on the time charts. */
  readonly load: { readonly startS: number | null; readonly endS: number | null };
}

const seconds = (ms: number) => Math.round(ms) / 1000;

/** Threads of a track at tMs: the last change at or before it; null outside the process's life. */
function threadsAt(track: SessionState['processes'][string], tMs: number): number | null {
  if (tMs < track.firstMs || tMs > track.lastMs) return null;
  let value: number | null = null;
  for (const [at, count] of track.threads) {
    if (at > tMs) break;
    value = count;
  }
  return value;
}

function binIndex(edgesUs: readonly number[], valueMs: number | null): number | null {
  if (valueMs === null || edgesUs.length < 2) return null;
  const us = valueMs * 1000;
  let bin = 0;
  while (bin < edgesUs.length - 2 && us >= edgesUs[bin + 1]) bin++;
  return bin;
}

/** The chart data of a session: pure, so tests read it without a browser. */
export function htmlReportData(state: SessionState): HtmlReportData {
  const timeline = state.timeline;
  const times = timeline.map((p) => p.tMs);
  const tracks = Object.values(state.processes);
  const peak = (track: (typeof tracks)[number]) => Math.max(0, ...track.threads.map(([, n]) => n));
  const shown = [...tracks].sort((a, b) => peak(b) - peak(a) || a.pid - b.pid).slice(0, MAX_PROCESS_SERIES).sort((a, b) => a.pid - b.pid);
  const config = state.config;
  const targetUnit = config === null ? null : config.ramp !== null ? (config.ramp.unit === 'rate' ? 'req/s' : 'conns') : config.rate !== null ? 'req/s' : null;

  const edges = chooseEdgesUs(state.load.cumulative, HISTOGRAM_BINS);
  const bins = binCounts(state.load.cumulative, edges);
  const lat = summarizeMs(state.load.cumulative);

  const markers: ReportMarker[] = [];
  deriveInsights(state).forEach((insight, k) => markers.push({ kind: 'insight', tS: seconds(insight.tMs), label: String(k + 1), text: insight.text }));
  for (const a of state.load.adjustments) {
    const label = a.rate !== null ? `→ ${formatSetting(a.rate)} req/s` : a.connections !== null ? `→ ${formatSetting(a.connections)} conns` : '→ ?';
    markers.push({ kind: 'adjustment', tS: seconds(a.tMs), label, text: `load set to ${label.slice(2)} at ${seconds(a.tMs).toFixed(1)} s` });
  }

  return {
    t: times.map(seconds),
    processes: timeline.map((p) => p.processes),
    threads: timeline.map((p) => p.threads),
    running: timeline.map((p) => p.running),
    sleeping: timeline.map((p) => p.sleeping),
    other: timeline.map((p) => Math.max(0, p.threads - p.running - p.sleeping)),
    rps: timeline.map((p) => p.rps),
    target: timeline.map((p) => p.target),
    targetUnit,
    p50Ms: timeline.map((p) => p.p50Ms),
    p90Ms: timeline.map((p) => p.p90Ms),
    p99Ms: timeline.map((p) => p.p99Ms),
    perProcess: shown.map((track) => ({ pid: track.pid, label: `${track.pid} ${track.name}`, threads: times.map((t) => threadsAt(track, t)) })),
    perProcessHidden: tracks.length - shown.length,
    histogram: {
      labels: bins.map((b) => formatRangeUs(b.fromUs, b.toUs)),
      counts: bins.map((b) => b.count),
      fromMs: bins.map((b) => b.fromUs / 1000),
      toMs: bins.map((b) => b.toUs / 1000),
      p50Bin: binIndex(edges, lat.p50),
      p99Bin: binIndex(edges, lat.p99),
    },
    markers,
    load: {
      startS: state.load.startedAtMs === null ? null : seconds(state.load.startedAtMs),
      endS: state.load.startedAtMs === null ? null : seconds(state.load.finishedAtMs ?? state.nowMs),
    },
  };
}

/**
 * JSON that is safe between <script> and </script>: `<`, `>`, `&` and the two JavaScript line
 * terminators as \u escapes (the HTML spec, "restrictions for contents of script elements").
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A third-party script or stylesheet, inlined: `</script` and `<!--` cannot occur in them as we write them. */
function inlineAsset(text: string, tag: 'script' | 'style'): string {
  return text.replace(new RegExp(`</${tag}`, 'gi'), `<\\/${tag}`).replace(/<!--/g, '<\\!--');
}

let uplotAssets: { js: string; css: string } | null = null;

/** uPlot's browser build and stylesheet, from node_modules (read once per process). */
function uplot(): { js: string; css: string } {
  if (uplotAssets === null) {
    const require = createRequire(import.meta.url);
    const dist = (file: string) => readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8');
    uplotAssets = { js: dist('uPlot.iife.min.js'), css: dist('uPlot.min.css') };
  }
  return uplotAssets;
}

const END_TEXT: Readonly<Record<string, string>> = { completed: 'completed', quit: 'stopped (q)', interrupted: 'interrupted', 'server-exited': 'server exited', error: 'failed' };

function shapeText(s: ShapeCount | null): string {
  return s === null ? '—' : `${formatCount(s.processes)} / ${formatCount(s.threads)}`;
}

/** `<tr><th>name</th><td>value</td></tr>`; value is already escaped. */
const row = (name: string, valueHtml: string) => `<tr><th>${escapeHtml(name)}</th><td>${valueHtml}</td></tr>`;

function loadText(state: SessionState): string {
  const c = state.config!;
  const bound = c.requests !== null ? `${formatCount(c.requests)} requests` : c.durationS !== null ? `${formatSetting(c.durationS)} s` : 'unbounded';
  const mode =
    c.ramp !== null
      ? `ramp ${c.ramp.stages.map((s) => `${s.durationMs / 1000}s:${formatSetting(s.value)}`).join(', ')} (${c.ramp.unit === 'rate' ? 'req/s' : 'connections'})`
      : c.rate !== null
        ? `open loop, ${formatSetting(c.rate)} req/s (≤ ${formatCount(c.connections)} connections)`
        : `closed loop, ${formatCount(c.connections)} connections`;
  const parts = [mode, bound, `upstream delay ${formatLatencyMs(c.delayS * 1000)}`, c.keepAlive ? 'keep-alive' : 'a connection per request'];
  if (c.loadWorkers > 1) parts.push(`${c.loadWorkers} load workers`);
  parts.push(`sampled every ${c.intervalMs} ms`);
  return parts.join(' · ');
}

function tile(label: string, value: string, note = ''): string {
  return `<div class="tile"><div class="tile-label">${escapeHtml(label)}</div><div class="tile-value">${escapeHtml(value)}</div>${note ? `<div class="tile-note">${escapeHtml(note)}</div>` : ''}</div>`;
}

/** A chart's card: title, what it shows, and the element the page's script draws into. */
function card(id: string, title: string, caption: string, wide = false): string {
  return `<section class="card${wide ? ' wide' : ''}"><h2>${escapeHtml(title)}</h2><p class="caption">${caption}</p><div class="chart" id="${id}" data-chart="${id}"></div></section>`;
}

/** The whole report as one HTML document. */
export function renderHtmlReport(state: SessionState, facts: ReportFacts): string {
  const config = state.config;
  if (config === null) throw new Error('renderHtmlReport: the session never started');
  const data = htmlReportData(state);
  const env = facts.environment;
  const counts = state.load.totals ?? state.load.counts;
  const rateWindow = rateWindowMs(state);
  const rps = rateWindow > 0 ? (counts.completed * 1000) / rateWindow : null;
  const lat = summarizeMs(state.load.cumulative);
  const failed = failedCount(counts);
  const insights = deriveInsights(state);
  const guards = evaluateGuards(state);
  const settings = [config.workers !== null ? `${config.workers} workers` : null, config.threads !== null ? `${config.threads} threads` : null].filter((s) => s !== null);
  const how = state.ended !== null ? END_TEXT[state.ended] ?? state.ended : state.phase;
  const title = `watchload · ${config.model}${settings.length > 0 ? ` · ${settings.join(' · ')}` : ''}`;
  const { js, css } = uplot();

  const meta = [
    row('command', `<code>${escapeHtml(commandLine(facts.command))}</code>`),
    row('url', `<code>${htmlText(facts.url ?? '—')}</code>`),
    row('server pid', state.server === null ? '—' : String(state.server.pid)),
    row('load', escapeHtml(loadText(state))),
    row('ended', escapeHtml(`${how} after ${(state.nowMs / 1000).toFixed(1)} s`)),
  ];
  const exited = state.server?.exited;
  if (exited && !exited.expected) {
    meta.push(row('server', `<span class="bad">exited on its own (${escapeHtml(exitText(exited))})</span>${exited.stderrTail.length > 0 ? `<pre>${exited.stderrTail.map(htmlText).join('\n')}</pre>` : ''}`));
  }
  const envRows = [
    row('source', htmlText(env.source)),
    row('host', `${htmlText(env.hostname)} · ${env.cores} cores · ${htmlText(env.kernel)}`),
    row('node', htmlText(env.node)),
    row('watchload', htmlText(env.watchload)),
    row('date', htmlText(env.date)),
  ];

  const tiles = [
    tile('responses', formatCount(counts.completed), `${formatCount(counts.ok)} ok`),
    tile('failed', formatCount(failed), `${counts.timeouts} timeouts · ${counts.non2xx} non-2xx · ${counts.errors} errors · ${counts.resets} resets`),
    tile('throughput', `${formatRate(rps)} req/s`, `over ${(activeLoadMs(state) / 1000).toFixed(1)} s of load`),
    tile('p50', formatLatencyMs(lat.p50)),
    tile('p90', formatLatencyMs(lat.p90)),
    tile('p99', formatLatencyMs(lat.p99)),
    tile('p99.9', formatLatencyMs(lat.p999)),
    tile('max', formatLatencyMs(lat.max), `mean ${formatLatencyMs(lat.mean)}`),
    tile('processes / threads', shapeText(state.shape.peak), `peak · before ${shapeText(state.shape.before)} · after ${shapeText(state.shape.after)}`),
  ];
  const target = meanTargetRate(config);
  if (state.load.uncorrected !== null) {
    const naive = summarizeMs(state.load.uncorrected);
    const lag = summarizeMs(state.load.sendLag ?? EMPTY_HISTOGRAM);
    tiles.push(tile('p99 at send', formatLatencyMs(naive.p99), 'from the actual send (the others: from the intended send time)'));
    tiles.push(tile('send lag p99', formatLatencyMs(lag.p99), target === null ? '' : `asked ${formatRate(target)} req/s`));
  }

  const insightItems = insights.map(
    (i, k) => `<li><span class="mark">${k + 1}</span><span class="at">${(i.tMs / 1000).toFixed(1)} s</span><span class="kind">${escapeHtml(i.kind)}</span>${i.pid !== null ? `<span class="pid">pid ${i.pid}</span>` : ''}<span class="text">${htmlText(i.text)}</span></li>`,
  );
  const guardItems = guards.map((g) => `<li class="${g.breached ? 'bad' : 'good'}">${g.breached ? '✗' : '✓'} ${htmlText(g.text)}</li>`);
  const adjustmentItems = state.load.adjustments.map((a) => `<li>${(a.tMs / 1000).toFixed(1)} s: ${a.rate !== null ? `${escapeHtml(formatSetting(a.rate))} req/s` : `${escapeHtml(formatSetting(a.connections ?? 0))} connections`}</li>`);
  const events = state.processEvents;
  const faultItems = [
    ...processEventTexts(events).map((e) => `<li>${(e.tMs / 1000).toFixed(1)} s: ${htmlText(e.text)}</li>`),
    ...(state.upstreamFailure !== null ? [`<li class="bad">${(state.upstreamFailure.tMs / 1000).toFixed(1)} s: the upstream failed: ${htmlText(state.upstreamFailure.message)}</li>`] : []),
  ];
  // Only when something went wrong: a clean run's page stays as it was.
  const faults = faultItems.length > 0 ? `\n<h2>Faults</h2><ul class="adjustments">${faultItems.join('')}</ul>` : '';
  const hiddenNote = data.perProcessHidden > 0 ? ` The ${data.perProcessHidden} processes with the fewest threads are left out.` : '';
  const latencyNote = state.load.uncorrected !== null ? ' From each request’s intended send time (open loop, coordinated omission corrected).' : '';
  const marksNote = 'Numbered lines: the insights below; dashed grey lines: load changes; blue band: load running.';

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="watchload ${escapeHtml(env.watchload)}">
<title>${htmlText(title)}</title>
<style>${inlineAsset(css, 'style')}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
<header>
<h1>${htmlText(title)}</h1>
<p class="sub">${escapeHtml(how)} · ${htmlText(env.date)} · ${htmlText(env.hostname)}</p>
</header>
<main>
<section class="meta">
<table class="kv"><tbody>${meta.join('')}</tbody></table>
<table class="kv"><tbody>${envRows.join('')}</tbody></table>
</section>
<section class="tiles">${tiles.join('')}</section>
<section class="grid">
${card('chart-threads-per-process', 'Threads per process', `One line per pid, from each sample of /proc (equal counts overlap: the legend lists every pid).${hiddenNote} ${marksNote}`, true)}
${card('chart-thread-states', 'Thread states', 'All threads of the tree, stacked: running (R), sleeping (S), and the rest (D, Z, I…).')}
${card('chart-processes', 'Processes', 'Processes in the server’s tree, the server itself included.')}
${card('chart-rps', 'Throughput', `Responses per second over the last second${data.targetUnit !== null ? `, and the load’s target (${escapeHtml(data.targetUnit)})` : ''}.`)}
${card('chart-latency', 'Latency percentiles over time', `p50, p90 and p99 of the last 5 s of responses, at each sample.${latencyNote}`)}
${card('chart-histogram', 'Latency histogram', `Every response of the run, in log-spaced buckets.${latencyNote}`, true)}
</section>
<section class="lists">
<div><h2>Insights</h2>${insightItems.length > 0 ? `<ol class="insights">${insightItems.join('')}</ol>` : '<p class="none">No insight: nothing the rules recognise happened.</p>'}</div>
<div><h2>Guards</h2>${guardItems.length > 0 ? `<ul class="guards">${guardItems.join('')}</ul>` : '<p class="none">No --max-… guard was given.</p>'}
<h2>Load adjustments</h2>${adjustmentItems.length > 0 ? `<ul class="adjustments">${adjustmentItems.join('')}</ul>` : '<p class="none">The load was not changed while it ran.</p>'}${faults}</div>
</section>
</main>
<footer>Written by watchload ${htmlText(env.watchload)} · charts: uPlot (MIT) · self-contained: no network needed to view.</footer>
<script type="application/json" id="watchload-data">${jsonForScript(data)}</script>
<script>${inlineAsset(js, 'script')}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

const PAGE_CSS = `
:root { color-scheme: light; --fg: #1d2330; --muted: #5c6577; --line: #dfe3ea; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 18px 28px 8px; background: #fff; border-bottom: 1px solid var(--line); }
h1 { margin: 0; font-size: 22px; }
h2 { margin: 0 0 4px; font-size: 16px; }
.sub { margin: 2px 0 8px; color: var(--muted); }
main { padding: 16px 28px 8px; max-width: 1600px; }
.meta { display: grid; grid-template-columns: 3fr 2fr; gap: 16px; }
table.kv { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
table.kv th { text-align: left; font-weight: 600; color: var(--muted); padding: 4px 10px; width: 7.5em; vertical-align: top; white-space: nowrap; }
table.kv td { padding: 4px 10px; word-break: break-all; }
code, pre { font: 12.5px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
pre { margin: 4px 0 0; white-space: pre-wrap; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(118px, 1fr)); gap: 10px; margin: 16px 0; }
.tile { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.tile-label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.tile-value { font-size: 19px; white-space: nowrap; font-weight: 600; font-variant-numeric: tabular-nums; }
.tile-note { color: var(--muted); font-size: 11.5px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px 6px; min-width: 0; }
.card.wide { grid-column: 1 / -1; }
.caption { margin: 0 0 6px; color: var(--muted); font-size: 12.5px; }
.chart { width: 100%; min-height: 40px; }
.chart .empty { color: var(--muted); padding: 40px 0; text-align: center; }
.uplot { font-family: inherit; }
.u-legend { font-size: 12.5px; }
.lists { display: grid; grid-template-columns: 3fr 2fr; gap: 16px; margin-top: 16px; }
.lists > div { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; }
ol.insights, ul.guards, ul.adjustments { margin: 4px 0 12px; padding: 0; list-style: none; }
ol.insights li { display: flex; gap: 8px; padding: 4px 0; border-top: 1px solid var(--line); align-items: baseline; }
ol.insights li:first-child { border-top: 0; }
.mark { flex: none; display: inline-block; min-width: 20px; height: 20px; border-radius: 10px; background: #c2410c; color: #fff; font-size: 12px; font-weight: 600; text-align: center; line-height: 20px; }
.at, .kind, .pid { flex: none; color: var(--muted); font-variant-numeric: tabular-nums; }
.kind { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.good { color: #15803d; }
.bad { color: #b91c1c; font-weight: 600; }
.none { color: var(--muted); margin: 4px 0 12px; }
footer { color: var(--muted); font-size: 12px; padding: 8px 28px 24px; }
@media (max-width: 900px) { .grid, .meta, .lists { grid-template-columns: 1fr; } }
`;

/**
 * The page's own script: reads the embedded JSON and draws six uPlot charts. Strings from the
 * data reach the DOM only through uPlot, which sets them as textContent. Sets
 * `data-ready="true"` on <body> when every chart is drawn (the browser test waits for it).
 */
const PAGE_SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('watchload-data').textContent);
  var PALETTE = ['#2563eb', '#ea580c', '#16a34a', '#dc2626', '#9333ea', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d', '#7c3aed', '#0d9488'];
  var INSIGHT = '#c2410c', ADJUST = '#6b7280';
  var X_LABEL = 'time since start (s)';
  var charts = [];
  var px = function (n) { return n * (uPlot.pxRatio || 1); };

  function num(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return '—';
    return Number(v.toFixed(digits)).toLocaleString('en-US');
  }
  function ms(v) {
    if (v === null || v === undefined || !isFinite(v)) return '—';
    if (v < 1) return Math.round(v * 1000) + ' µs';
    if (v < 1000) return Number(v.toPrecision(3)) + ' ms';
    return Number((v / 1000).toPrecision(3)) + ' s';
  }

  /* The load's span shaded, insights and load changes as vertical lines, on every time chart. */
  function marks() {
    return {
      hooks: {
        drawClear: [function (u) {
          if (data.load.startS === null) return;
          var l = u.valToPos(data.load.startS, 'x', true), r = u.valToPos(data.load.endS, 'x', true);
          var b = u.bbox, ctx = u.ctx;
          l = Math.max(b.left, l); r = Math.min(b.left + b.width, r);
          if (r <= l) return;
          ctx.save(); ctx.fillStyle = 'rgba(37, 99, 235, 0.06)'; ctx.fillRect(l, b.top, r - l, b.height); ctx.restore();
        }],
        draw: [function (u) {
          var b = u.bbox, ctx = u.ctx, used = [];
          ctx.save();
          ctx.font = '600 ' + px(11) + 'px system-ui, sans-serif';
          ctx.textBaseline = 'top'; ctx.textAlign = 'left';
          data.markers.forEach(function (m) {
            var x = Math.round(u.valToPos(m.tS, 'x', true));
            if (x < b.left - 1 || x > b.left + b.width + 1) return;
            var color = m.kind === 'insight' ? INSIGHT : ADJUST;
            ctx.strokeStyle = color; ctx.lineWidth = px(1.25);
            ctx.setLineDash(m.kind === 'insight' ? [] : [px(4), px(3)]);
            ctx.beginPath(); ctx.moveTo(x + 0.5, b.top); ctx.lineTo(x + 0.5, b.top + b.height); ctx.stroke();
            var w = ctx.measureText(m.label).width + px(6);
            var row = 0;
            while (used.some(function (s) { return s.row === row && s.x1 > x && s.x0 < x + w; })) row++;
            used.push({ row: row, x0: x, x1: x + w });
            var y = b.top + px(2) + row * px(15);
            ctx.fillStyle = color; ctx.fillRect(x, y, w, px(14));
            ctx.fillStyle = '#fff'; ctx.fillText(m.label, x + px(3), y + px(1.5));
          });
          ctx.restore();
        }],
      },
    };
  }

  function timeAxes(yLabel, yValues) {
    return [
      { label: X_LABEL, labelSize: 22, values: function (u, v) { return v.map(function (s) { return num(s, 2); }); } },
      { label: yLabel, labelSize: 22, size: 56, values: yValues || function (u, v) { return v.map(function (s) { return num(s, 2); }); } },
    ];
  }

  /* Time charts span the samples, the load and every mark, so an insight at the end still shows. */
  var xMin = data.t.length > 0 ? data.t[0] : 0;
  var xMax = Math.max.apply(null, [xMin + 1].concat(data.t, data.markers.map(function (m) { return m.tS; }), data.load.endS === null ? [] : [data.load.endS]));
  function xScale() { return { time: false, range: function () { return [xMin, xMax]; } }; }

  function base(title, yLabel, series, opts) {
    var o = {
      height: 280,
      cursor: { sync: { key: 'watchload' } },
      scales: { x: xScale() },
      axes: timeAxes(yLabel),
      series: [{ label: 'time', value: function (u, v) { return v === null ? '—' : num(v, 2) + ' s'; } }].concat(series),
      plugins: [marks()],
    };
    for (var k in opts || {}) o[k] = opts[k];
    return o;
  }

  function draw(id, opts, d, empty) {
    var el = document.getElementById(id);
    if (empty) {
      var p = document.createElement('p'); p.className = 'empty'; p.textContent = empty; el.appendChild(p);
      return;
    }
    opts.width = Math.max(300, el.clientWidth);
    charts.push({ id: id, el: el, u: new uPlot(opts, d, el) });
  }

  var noSamples = data.t.length === 0 ? 'no samples of the server were taken' : null;
  var stepped = uPlot.paths.stepped({ align: 1 });

  /* Threads per process: a step line per pid. */
  draw('chart-threads-per-process', base('Threads per process', 'threads', data.perProcess.map(function (p, k) {
    return { label: 'pid ' + p.label, stroke: PALETTE[k % PALETTE.length], width: 2, paths: stepped, spanGaps: false, value: function (u, v) { return v === null ? '—' : String(v); } };
  })), [data.t].concat(data.perProcess.map(function (p) { return p.threads; })), noSamples || (data.perProcess.length === 0 ? 'no process was seen' : null));

  /* Thread states, stacked: the series hold running, running + sleeping, all; the legend shows each part. */
  (function () {
    var r = data.running, s = data.sleeping, o = data.other;
    var rs = r.map(function (v, i) { return v + s[i]; });
    var all = rs.map(function (v, i) { return v + o[i]; });
    var part = function (raw) { return function (u, v, si, i) { return i === null || i === undefined ? '—' : String(raw[i]); }; };
    draw('chart-thread-states', base('Thread states', 'threads', [
      { label: 'running (R)', stroke: '#16a34a', fill: 'rgba(22, 163, 74, 0.55)', width: 1, value: part(r) },
      { label: 'sleeping (S)', stroke: '#2563eb', fill: 'rgba(37, 99, 235, 0.35)', width: 1, value: part(s) },
      { label: 'other (D, Z, I…)', stroke: '#9ca3af', fill: 'rgba(156, 163, 175, 0.5)', width: 1, value: part(o) },
    ], { bands: [{ series: [2, 1] }, { series: [3, 2] }], scales: { x: xScale(), y: { range: function (u, min, max) { return [0, Math.max(1, max) * 1.05]; } } } }),
    [data.t, r, rs, all], noSamples);
  })();

  /* Processes over time. */
  draw('chart-processes', base('Processes', 'processes', [
    { label: 'processes', stroke: '#9333ea', fill: 'rgba(147, 51, 234, 0.08)', width: 2, paths: stepped },
  ], { scales: { x: xScale(), y: { range: function (u, min, max) { return [0, Math.max(1, max) + 1]; } } } }), [data.t, data.processes], noSamples);

  /* Throughput, and the target when the load had one. */
  (function () {
    var series = [{ label: 'responses/s', stroke: '#0891b2', fill: 'rgba(8, 145, 178, 0.10)', width: 2, value: function (u, v) { return v === null ? '—' : num(v, 1) + ' req/s'; } }];
    var d = [data.t, data.rps];
    var axes = timeAxes('responses per second');
    var scales = { x: xScale(), y: { range: function (u, min, max) { return [0, Math.max(1, max) * 1.1]; } } };
    var hasTarget = data.target.some(function (v) { return v !== null; });
    if (hasTarget && data.targetUnit === 'req/s') {
      series.push({ label: 'target req/s', stroke: '#ca8a04', width: 2, dash: [6, 4], paths: stepped, value: function (u, v) { return v === null ? '—' : num(v, 1) + ' req/s'; } });
      d.push(data.target);
    } else if (hasTarget) {
      series.push({ label: 'target connections', stroke: '#ca8a04', width: 2, dash: [6, 4], paths: stepped, scale: 'conns', value: function (u, v) { return v === null ? '—' : num(v, 0); } });
      d.push(data.target);
      scales.conns = { range: function (u, min, max) { return [0, Math.max(1, max) * 1.1]; } };
      axes.push({ scale: 'conns', side: 1, label: 'connections', labelSize: 22, size: 56, grid: { show: false } });
    }
    draw('chart-rps', base('Throughput', 'responses per second', series, { axes: axes, scales: scales }), d, noSamples);
  })();

  /* Latency percentiles of the live window at each sample. */
  (function () {
    var msValue = function (u, v) { return ms(v); };
    draw('chart-latency', base('Latency', 'latency (ms)', [
      { label: 'p50', stroke: '#16a34a', width: 2, value: msValue },
      { label: 'p90', stroke: '#ca8a04', width: 2, value: msValue },
      { label: 'p99', stroke: '#dc2626', width: 2, value: msValue },
    ], { scales: { x: xScale(), y: { range: function (u, min, max) { return [0, Math.max(1, max) * 1.1]; } } } }), [data.t, data.p50Ms, data.p90Ms, data.p99Ms],
    noSamples || (data.p50Ms.every(function (v) { return v === null; }) ? 'no response during the samples' : null));
  })();

  /* The whole run's latencies: one bar per log-spaced bucket, p50 and p99 marked. */
  (function () {
    var h = data.histogram, n = h.counts.length;
    var xs = h.counts.map(function (c, i) { return i; });
    var bucketMarks = {
      hooks: { draw: [function (u) {
        var b = u.bbox, ctx = u.ctx;
        ctx.save(); ctx.font = '600 ' + px(11) + 'px system-ui, sans-serif'; ctx.textBaseline = 'top'; ctx.textAlign = 'left';
        [['p50', h.p50Bin, '#16a34a'], ['p99', h.p99Bin, '#dc2626']].forEach(function (m, k) {
          if (m[1] === null) return;
          var x = Math.round(u.valToPos(m[1], 'x', true));
          ctx.strokeStyle = m[2]; ctx.lineWidth = px(1.5); ctx.setLineDash([px(5), px(3)]);
          ctx.beginPath(); ctx.moveTo(x + 0.5, b.top); ctx.lineTo(x + 0.5, b.top + b.height); ctx.stroke();
          ctx.fillStyle = m[2]; ctx.fillText(m[0], x + px(4), b.top + px(2) + k * px(14));
        });
        ctx.restore();
      }] },
    };
    var every = 1;
    draw('chart-histogram', {
      height: 280,
      legend: { show: true },
      cursor: { points: { show: false } },
      scales: { x: { time: false, range: [-0.6, Math.max(0, n - 1) + 0.6] }, y: { range: function (u, min, max) { return [0, Math.max(1, max) * 1.1]; } } },
      axes: [
        { label: 'latency bucket (log-spaced)', labelSize: 22, size: 40,
          splits: function (u) {
            var room = Math.max(1, Math.floor(u.bbox.width / (uPlot.pxRatio || 1) / 84));
            every = Math.max(1, Math.ceil(n / room));
            return xs.filter(function (i) { return i % every === 0; });
          },
          values: function (u, v) { return v.map(function (i) { return h.labels[i] || ''; }); } },
        { label: 'responses', labelSize: 22, size: 64, values: function (u, v) { return v.map(function (s) { return num(s, 0); }); } },
      ],
      series: [
        { label: 'bucket', value: function (u, v) { return v === null || v === undefined ? '—' : (h.labels[v] || '—'); } },
        { label: 'responses', stroke: '#2563eb', fill: 'rgba(37, 99, 235, 0.55)', width: 1, paths: uPlot.paths.bars({ size: [0.86, 80] }), points: { show: false }, value: function (u, v) { return v === null ? '—' : num(v, 0); } },
      ],
      plugins: [bucketMarks],
    }, [xs, h.counts], n === 0 ? 'no responses' : null);
  })();

  var resize = null;
  window.addEventListener('resize', function () {
    clearTimeout(resize);
    resize = setTimeout(function () { charts.forEach(function (c) { c.u.setSize({ width: Math.max(300, c.el.clientWidth), height: c.u.height }); }); }, 100);
  });
  window.watchloadCharts = charts;
  document.body.setAttribute('data-ready', 'true');
})();
`;
