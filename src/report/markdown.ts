import { formatCount, formatLatencyMs, formatRate, formatSetting } from '../../components/format.js';
import { summarizeMs } from '../load/histogram.js';
import { activeLoadMs, failedCount, rateWindowMs } from '../session/store.js';
import type { SessionState, ShapeCount } from '../session/state.js';
import { deriveInsights } from '../insights/index.js';
import { evaluateGuards } from '../insights/guards.js';
import { commandLine, type ReportFacts } from './environment.js';
import { sanitizeForTerminal } from '../util/sanitize.js';
import { processEventTexts } from '../../components/summary-text.js';

/**
 * The Markdown report (`--format md`): what a pull request or an issue quotes. Text other
 * programs chose is made inert: control characters dropped, `<`, `>` and `&` as entities
 * (renderers pass raw HTML through), `|` escaped in table cells, backticks kept out of code spans.
 */

/** Text for a Markdown paragraph or table cell. */
export function markdownText(text: string): string {
  return sanitizeForTerminal(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|])/g, '\\$1');
}

/**
 * Text inside a code span, which renderers show literally (no HTML): a backtick would close it,
 * so it becomes ', and `|` is `\|`, which GFM tables need even inside code.
 */
function codeSpan(text: string): string {
  return '`' + sanitizeForTerminal(text).replace(/`/g, "'").replace(/\|/g, '\\|') + '`';
}

function shapeText(s: ShapeCount | null): string {
  return s === null ? '—' : `${formatCount(s.processes)} / ${formatCount(s.threads)}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

export function renderMarkdownReport(state: SessionState, facts: ReportFacts): string {
  const config = state.config;
  if (config === null) throw new Error('renderMarkdownReport: the session never started');
  const env = facts.environment;
  const counts = state.load.totals ?? state.load.counts;
  const window = rateWindowMs(state);
  const rps = window > 0 ? (counts.completed * 1000) / window : null;
  const lat = summarizeMs(state.load.cumulative);
  const settings = [config.workers !== null ? `${config.workers} workers` : null, config.threads !== null ? `${config.threads} threads` : null].filter((s) => s !== null);

  const loadMode =
    config.ramp !== null
      ? `ramp ${config.ramp.stages.map((s) => `${s.durationMs / 1000}s:${formatSetting(s.value)}`).join(', ')} (${config.ramp.unit === 'rate' ? 'req/s' : 'connections'})`
      : config.rate !== null
        ? `open loop, ${formatSetting(config.rate)} req/s (≤ ${formatCount(config.connections)} connections)`
        : `closed loop, ${formatCount(config.connections)} connections`;
  const bound = config.requests !== null ? `${formatCount(config.requests)} requests` : config.durationS !== null ? `${formatSetting(config.durationS)} s` : 'unbounded';

  const out: string[] = [];
  out.push(`# watchload · ${markdownText(config.model)}${settings.length > 0 ? ` · ${settings.join(' · ')}` : ''}`, '');
  out.push(
    ...table(
      ['', ''],
      [
        ['command', codeSpan(commandLine(facts.command))],
        ['url', facts.url === null ? '—' : codeSpan(facts.url)],
        ['load', markdownText(`${loadMode} · ${bound} · upstream delay ${formatLatencyMs(config.delayS * 1000)} · ${config.keepAlive ? 'keep-alive' : 'a connection per request'}${config.loadWorkers > 1 ? ` · ${config.loadWorkers} load workers` : ''} · sampled every ${config.intervalMs} ms`)],
        ['ended', markdownText(`${state.ended ?? state.phase} after ${(state.nowMs / 1000).toFixed(1)} s`)],
        ['environment', markdownText(`${env.source} · ${env.hostname} · ${env.cores} cores · ${env.kernel} · node ${env.node} · watchload ${env.watchload} · ${env.date}`)],
      ],
    ),
    '',
  );

  out.push('## Summary', '');
  out.push(
    ...table(
      ['responses', 'ok', 'failed', 'req/s', 'load s', 'p50', 'p90', 'p99', 'p99.9', 'max'],
      [[formatCount(counts.completed), formatCount(counts.ok), formatCount(failedCount(counts)), formatRate(rps), (activeLoadMs(state) / 1000).toFixed(1), ...[lat.p50, lat.p90, lat.p99, lat.p999, lat.max].map(formatLatencyMs)]],
    ),
    '',
  );
  if (state.load.uncorrected !== null) out.push('Latencies are from each request’s intended send time (open loop, coordinated omission corrected).', '');

  out.push('## Shape', '', ...table(['', 'processes / threads'], [['before load', shapeText(state.shape.before)], ['peak', shapeText(state.shape.peak)], ['after load', shapeText(state.shape.after)]]));
  const perProcess = Object.entries(state.shape.peak?.threadsPerProcess ?? {});
  if (perProcess.length > 0) {
    out.push('', ...table(['pid', 'name', 'peak threads'], perProcess.map(([pid, n]) => [pid, markdownText(state.processes[pid]?.name ?? '?'), formatCount(n)])));
  }
  out.push('');

  const insights = deriveInsights(state);
  out.push('## Insights', '');
  if (insights.length === 0) out.push('None: nothing the rules recognise happened.');
  else out.push(...table(['#', 'at', 'kind', 'pid', 'what'], insights.map((i, k) => [String(k + 1), `${(i.tMs / 1000).toFixed(1)} s`, i.kind, i.pid === null ? '' : String(i.pid), markdownText(i.text)])));
  out.push('');

  const guards = evaluateGuards(state);
  out.push('## Guards', '');
  if (guards.length === 0) out.push('None given.');
  else out.push(...table(['guard', 'held', 'limit', 'worst'], guards.map((g) => [g.guard, g.breached ? '✗ broken' : '✓', markdownText(String(g.limit)), markdownText(g.text)])));
  out.push('');

  const events = state.processEvents;
  if (events.exited + events.started > 0 || state.upstreamFailure !== null) {
    out.push('## Faults', '');
    if (events.exited + events.started > 0) {
      out.push(`Processes of the server: ${formatCount(events.exited)} exited, ${formatCount(events.started)} started while the load ran.`, '');
      out.push(...table(['at', 'what'], processEventTexts(events).map((e) => [`${(e.tMs / 1000).toFixed(1)} s`, markdownText(e.text)])), '');
    }
    if (state.upstreamFailure !== null) out.push(markdownText(`The upstream failed at ${(state.upstreamFailure.tMs / 1000).toFixed(1)} s: ${state.upstreamFailure.message}`), '');
  }

  if (state.load.adjustments.length > 0) {
    out.push('## Load adjustments', '', ...table(['at', 'set to'], state.load.adjustments.map((a) => [`${(a.tMs / 1000).toFixed(1)} s`, a.rate !== null ? `${formatSetting(a.rate)} req/s` : `${formatSetting(a.connections ?? 0)} connections`])), '');
  }
  return out.join('\n');
}
