import { isOwnServer } from '../src/models/custom.js';
import { deriveInsights } from '../src/insights/index.js';
import { evaluateGuards } from '../src/insights/guards.js';
import { GENERATOR_CPU_LIMIT_PERCENT } from '../src/load/generator.js';
import { EMPTY_HISTOGRAM, summarizeMs } from '../src/load/histogram.js';
import type { SessionConfig } from '../src/session/events.js';
import type { ProcessEventLog, ShapeCount, SessionState } from '../src/session/state.js';
import { sanitizeForTerminal } from '../src/util/sanitize.js';
import { formatClock, formatCount, formatLatencyMs, formatRate, formatSetting, exitText } from './format.js';
import { formatCommand } from './Header.js';
import { formatUsage } from '../src/docker/usage.js';
import { activeLoadMs, meanTargetRate, rateWindowMs, respawnsOf } from '../src/session/store.js';
import { lineText, wrapLine, type Line, type Segment } from './line.js';
import { truncateEnd } from './text.js';

/**
 * The final summary, printed after Ink unmounts and by the headless mode: the same lines for
 * both, styled for the `Summary` component and flattened to plain text by `renderSummaryText`.
 */

const END_TEXT: Readonly<Record<string, string>> = {
  completed: 'completed',
  quit: 'stopped (q)',
  interrupted: 'interrupted',
  'server-exited': 'server exited',
  error: 'failed',
};

function shapeText(s: ShapeCount | null): string {
  return s === null ? '—' : `${s.processes} / ${s.threads}`;
}

/** The summary's width: every line fits a standard terminal and a CI log. */
const SUMMARY_COLUMNS = 80;

/** The words of `text` in lines of at most `width` columns (a longer word gets a line of its own). */
function wrapWords(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') out.push(line);
  return out;
}

const label = (name: string): Segment => ({ text: `  ${name.padEnd(10)}`, dim: true });

/** `watchload-gunicorn-… · image … · pids peak 60/60 (the limit) · cpu ≤1.5 · mem … · threads from /proc`. */
function containerSummary(server: NonNullable<SessionState['server']>): Segment[] {
  const container = server.container!;
  const usage = server.containerUsage;
  const limit = usage?.pidsLimit ?? null;
  const peak = server.containerPidsPeak;
  const atLimit = peak !== null && limit !== null && peak >= limit;
  const rest = usage === null ? '' : formatUsage({ ...usage, pidsCurrent: null, pidsLimit: null });
  return [
    { text: `${sanitizeForTerminal(container.name)} · ${sanitizeForTerminal(container.image)}` },
    ...(peak !== null ? [{ text: ` · pids peak ${formatCount(peak)}${limit !== null ? `/${formatCount(limit)}` : ''}${atLimit ? ' (the limit)' : ''}`, ...(atLimit ? { color: 'red', bold: true } : {}) }] : []),
    { text: `${rest !== '' ? ` · ${rest}` : ''} · threads from ${container.sampling === 'proc' ? '/proc' : 'the engine\'s top'}` },
  ];
}

export function summaryLines(state: SessionState): Line[] {
  const config = state.config;
  const counts = state.load.totals ?? state.load.counts;
  const elapsed = activeLoadMs(state);
  const rateWindow = rateWindowMs(state);
  const lat = summarizeMs(state.load.cumulative);
  const how = state.ended !== null ? END_TEXT[state.ended] ?? state.ended : state.phase;
  const settings = [
    config?.workers != null ? `${config.workers} workers` : null,
    config?.threads != null ? `${config.threads} threads` : null,
  ].filter((s): s is string => s !== null);

  const lines: Line[] = [];
  // Lines printed as they are, past the width too: the title, and what is there to be copied.
  const whole = new Set<Line>();
  const pushWhole = (line: Line) => {
    whole.add(line);
    lines.push(line);
  };
  pushWhole([
    { text: 'watchload · ', dim: true },
    { text: config?.model ?? '—', bold: true },
    { text: settings.length > 0 ? ` · ${settings.join(' · ')}` : '' },
    { text: ` · ${how} after ${formatClock(state.nowMs)}` },
  ]);
  if (state.server !== null) {
    pushWhole([label('command'), { text: formatCommand(state.server.command) }]);
    pushWhole([label('url'), { text: sanitizeForTerminal(state.server.url) }]);
    if (state.server.container !== null) lines.push([label('container'), ...containerSummary(state.server)]);
  }
  if (config !== null) {
    const bound = config.requests !== null ? `${formatCount(config.requests)} requests` : config.durationS !== null ? `${config.durationS} s` : 'unbounded';
    const delay = isOwnServer(config.model) ? '' : ` · delay ${formatLatencyMs(config.delayS * 1000)}`;
    lines.push([label('load'), { text: `${loadMode(config)} · ${bound}${delay}${config.loadWorkers > 1 ? ` · ${config.loadWorkers} load workers` : ''}` }]);
  }
  const rps = rateWindow > 0 ? (counts.completed * 1000) / rateWindow : null;
  lines.push([
    label('requests'),
    { text: `${formatCount(counts.completed)} responses · ${formatCount(counts.ok)} ok · ${formatRate(rps)} req/s over ${(elapsed / 1000).toFixed(1)} s` },
  ]);
  const kinds: Array<[number, string, string, string]> = [
    [counts.timeouts, 'timeout', 'timeouts', 'red'],
    [counts.non2xx, 'non-2xx', 'non-2xx', 'yellow'],
    [counts.errors, 'conn error', 'conn errors', 'red'],
    [counts.resets, 'reset', 'resets', 'red'],
  ];
  const errors: Segment[] = [label('errors')];
  kinds.forEach(([n, one, many, color], k) => {
    if (k > 0) errors.push({ text: ' · ' });
    const text = `${formatCount(n)} ${n === 1 ? one : many}`;
    errors.push(n > 0 ? { text, color, bold: true } : { text });
  });
  lines.push(errors);
  // Two latency lines so that each fits 80 columns.
  lines.push([
    label('latency'),
    {
      text: [
        `p50 ${formatLatencyMs(lat.p50)}`,
        `p90 ${formatLatencyMs(lat.p90)}`,
        `p99 ${formatLatencyMs(lat.p99)}`,
        `p99.9 ${formatLatencyMs(lat.p999)}`,
      ].join(' · '),
    },
  ]);
  lines.push([label(''), { text: `max ${formatLatencyMs(lat.max)} · mean ${formatLatencyMs(lat.mean)}${state.load.uncorrected !== null ? ' · from the intended send time' : ''}` }]);
  if (state.load.uncorrected !== null) {
    const naive = summarizeMs(state.load.uncorrected);
    lines.push([label('at send'), { text: `p50 ${formatLatencyMs(naive.p50)} · p99 ${formatLatencyMs(naive.p99)} · max ${formatLatencyMs(naive.max)} · from the actual send`, dim: true }]);
    const lag = summarizeMs(state.load.sendLag ?? EMPTY_HISTOGRAM);
    const sentRate = rateWindow > 0 ? (state.load.sent * 1000) / rateWindow : null;
    lines.push([label('schedule'), { text: `sent ${formatRate(sentRate)} req/s of ${formatRate(config === null ? null : meanTargetRate(config))} asked · late p50 ${formatLatencyMs(lag.p50)} · p99 ${formatLatencyMs(lag.p99)} · max ${formatLatencyMs(lag.max)}` }]);
  }
  if (state.load.generatorPeak !== null && state.load.generatorPeak.cpuPercent > GENERATOR_CPU_LIMIT_PERCENT) {
    lines.push([label('generator'), { text: `the load worker reached ${Math.round(state.load.generatorPeak.cpuPercent)}% of a core: the load, not only the server, may have limited these figures (try --load-workers)`, color: 'yellow', bold: true }]);
  }
  lines.push([
    label('shape'),
    {
      text: `processes / threads: before ${shapeText(state.shape.before)} · peak ${shapeText(state.shape.peak)} · after ${shapeText(state.shape.after)}`,
    },
  ]);
  lines.push(...processEventLines(state));
  if (state.upstreamFailure !== null) {
    const failure = state.upstreamFailure;
    lines.push([label('upstream'), { text: `failed at ${(failure.tMs / 1000).toFixed(1)}s: ${sanitizeForTerminal(failure.message)}`, color: 'yellow', bold: true }]);
  }
  deriveInsights(state).forEach((insight, k) => {
    const at = `${(insight.tMs / 1000).toFixed(1)}s `.padEnd(7);
    wrapWords(sanitizeForTerminal(insight.text), SUMMARY_COLUMNS - 12 - at.length).forEach((part, j) => {
      lines.push([label(k === 0 && j === 0 ? 'insights' : ''), { text: j === 0 ? at : ' '.repeat(at.length), dim: true }, { text: part }]);
    });
  });
  for (const guard of evaluateGuards(state)) {
    lines.push([label('guard'), guard.breached ? { text: `✗ ${guard.text}`, color: 'red', bold: true } : { text: `✓ ${guard.text}`, color: 'green' }]);
  }
  const exited = state.server?.exited;
  if (exited && !exited.expected) {
    const how = exitText(exited);
    lines.push([label('server'), { text: `exited on its own (${how})`, color: 'red', bold: true }]);
    for (const l of exited.stderrTail) pushWhole([{ text: `  │ ${sanitizeForTerminal(l)}`, dim: true }]);
  }
  // The others go on under their label past the summary's width, rather than be cut mid-word
  // by the terminal.
  return lines.flatMap((line) => (whole.has(line) ? [line] : wrapLine(line, SUMMARY_COLUMNS, label(''))));
}

/**
 * The process events as sentences, oldest first: each exit with the process that replaced it
 * (`pid 4312 (gunicorn) exited · respawned as pid 4390 at 3.4s`), each start that replaced
 * none. Sanitized; the reports (text, Markdown, HTML) list these.
 */
export function processEventTexts(log: ProcessEventLog): { readonly tMs: number; readonly text: string }[] {
  const { exits, starts } = respawnsOf(log.recent);
  return [
    ...exits.map((x) => ({
      tMs: x.exited.tMs,
      text: `pid ${x.exited.pid} (${sanitizeForTerminal(x.exited.name)}) exited · ${x.respawn === null ? 'not respawned' : `respawned as pid ${x.respawn.pid} at ${(x.respawn.tMs / 1000).toFixed(1)}s`}`,
    })),
    ...starts.map((e) => ({ tMs: e.tMs, text: `pid ${e.pid} (${sanitizeForTerminal(e.name)}) started, child of ${e.ppid}` })),
  ].sort((a, b) => a.tMs - b.tMs);
}

/** Process events listed one a line; past this, a count of the rest. */
const PROCESS_EVENT_LINES = 6;

/**
 * The server's processes that came and went while the load ran: a count, then each exit with
 * the process that replaced it, and each process started on top.
 *   processes 1 exited (1 respawned) · 1 started
 *             3.2s   pid 4312 (gunicorn) exited · respawned as pid 4390 at 3.4s
 */
function processEventLines(state: SessionState): Line[] {
  const log = state.processEvents;
  if (log.exited + log.started === 0) return [];
  const { exits } = respawnsOf(log.recent);
  const respawned = exits.filter((x) => x.respawn !== null).length;
  const lines: Line[] = [
    [
      label('processes'),
      { text: `${formatCount(log.exited)} exited${log.exited > 0 ? ` (${formatCount(respawned)} respawned)` : ''}`, ...(exits.some((x) => x.respawn === null) ? { color: 'red', bold: true } : {}) },
      { text: ` · ${formatCount(log.started)} started` },
    ],
  ];
  const told = processEventTexts(state.processEvents);
  for (const { tMs, text } of told.slice(0, PROCESS_EVENT_LINES)) {
    const at = `${(tMs / 1000).toFixed(1)}s `.padEnd(7);
    lines.push([label(''), { text: at, dim: true }, { text: truncateEnd(text, SUMMARY_COLUMNS - 12 - at.length) }]);
  }
  if (told.length > PROCESS_EVENT_LINES) lines.push([label(''), { text: `… and ${formatCount(told.length - PROCESS_EVENT_LINES)} more (--json lists them)`, dim: true }]);
  return lines;
}

/** How the load was driven: `-c 50`, `--rate 200/s ≤1000 conns`, `ramp 10→50 conns over 20 s`. */
function loadMode(config: SessionConfig): string {
  if (config.ramp !== null) {
    const unit = config.ramp.unit === 'rate' ? 'req/s' : 'conns';
    return `ramp ${config.ramp.stages.map((s) => `${s.durationMs / 1000}s:${formatSetting(s.value)}`).join(',')} (${unit})`;
  }
  if (config.rate !== null) return `--rate ${formatSetting(config.rate)}/s ≤${formatCount(config.connections)} conns`;
  return `-c ${config.connections}`;
}

/** The summary as plain text, no colour codes, lines joined by `\n` (no trailing newline). */
export function renderSummaryText(state: SessionState): string {
  return summaryLines(state).map(lineText).join('\n');
}
