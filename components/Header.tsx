import { isOwnServer } from '../src/models/custom.js';
import React from 'react';
import { activeLoadMs, loadTargetAt, rateWindowMs, targetRate } from '../src/session/store.js';
import { generatorVerdict, type GeneratorVerdict } from '../src/session/generator-health.js';
import { stageAt } from '../src/load/schedule.js';
import { valueAtQuantileUs } from '../src/load/histogram.js';
import { Box } from 'ink';
import type { LoadCounts, Ramp } from '../src/load/types.js';
import type { LoadState, Phase, SessionState } from '../src/session/state.js';
import { sanitizeForTerminal } from '../src/util/sanitize.js';
import { formatClock, formatCount, formatLatencyMs, formatRate, formatSetting } from './format.js';
import { formatUsage } from '../src/docker/usage.js';
import { backoffOf, backoffText, formatInterval, type SamplingBackoff } from '../src/proc/pacing.js';
import { sourceIntervalMs, type ContainerInfo, type ContainerUsage } from '../src/docker/types.js';
import { fitLine, lineWidth, type Line, type Segment } from './line.js';
import { TextLine } from './TextLine.js';
import { displayWidth, truncateMiddle } from './text.js';

/** What the header shows, as plain values (derive it from the state with `headerInfo`). */
export interface HeaderInfo {
  /** Model name, e.g. `cluster`. */
  readonly model: string;
  /** `--workers`, when given. */
  readonly workers: number | null;
  /** `--threads`, when given. */
  readonly threads: number | null;
  /** `-c`: concurrent connections. */
  readonly connections: number | null;
  /** `--delay`: the upstream's delay per request, in seconds. */
  readonly delayS: number | null;
  /** The server's argv, raw (sanitized here). */
  readonly command: readonly string[];
  readonly url: string | null;
  readonly phase: Phase;
  /** Since the session started. */
  readonly elapsedMs: number;
  /** Requests finished (answered, timed out or failed). */
  readonly requestsDone: number;
  /** `-n`, or null when the load runs for a duration. */
  readonly requestsTotal: number | null;
  /** Load time so far, paused time excluded. */
  readonly loadElapsedMs: number;
  /** `-d` in ms, or null when the load is bounded by requests. */
  readonly loadDurationMs: number | null;
  /** Responses in the last whole second of load; null before the first one. */
  readonly rpsNow: number | null;
  /** The load has ended: the rate shown is then the mean only. */
  readonly loadFinished: boolean;
  /** Responses per second of load time so far; null before load. */
  readonly rpsMean: number | null;
  readonly counts: LoadCounts;
  /** Open loop: the requests/s the schedule asks for now; null in closed loop. */
  readonly rateTarget: number | null;
  /** Open loop: requests sent in the last whole second. */
  readonly sentNow: number | null;
  /** Open loop: p99 of how late requests went out against the schedule, ms. */
  readonly sendLagP99Ms: number | null;
  /** `--ramp`, when given, and the stage running (0-based; null outside the load). */
  readonly ramp: Ramp | null;
  readonly stageIndex: number | null;
  /** Set when the load generator, not the server, limits the load (or the server cannot keep up with the rate). */
  readonly verdict: GeneratorVerdict | null;
  /** The load as last changed by a key (`-c 80 ↑`); null while it runs as the command line set it. */
  readonly adjusted: AdjustedSetting | null;
  /** The view is frozen (`f`): the screen shows the state of that moment, the run goes on. */
  readonly frozen: boolean;
  /** --docker: the container the server runs in and its cgroup as last read; null on this host. */
  readonly container: { readonly info: ContainerInfo; readonly usage: ContainerUsage | null; readonly samplingMs: number | null } | null;
  /**
   * The sampler backed off (issue 8): samples cost too much for the interval asked for, so it
   * samples at `intervalMs` instead of `askedMs`. null while it samples as asked.
   */
  readonly sampling: SamplingBackoff | null;
}



/** The setting a key changed last, and which way it went. */
export interface AdjustedSetting {
  readonly knob: 'connections' | 'rate';
  readonly value: number;
  readonly direction: 1 | -1 | 0;
}

/**
 * What the load is set to now: the command line's connections and rate, then each change made
 * with the keys (state.load.adjustments) on top. For a ramp, the stage's value at `nowMs`.
 */
export function currentLoadSetting(state: SessionState): { readonly connections: number | null; readonly rate: number | null } {
  const config = state.config;
  if (config === null) return { connections: null, rate: null };
  let connections: number | null = config.connections;
  let rate: number | null = config.rate ?? (config.ramp?.unit === 'rate' ? targetRate(state) : null);
  if (config.ramp !== null && config.ramp.unit === 'connections') connections = loadTargetAt(config, activeLoadMs(state)) ?? connections;
  for (const a of state.load.adjustments) {
    if (a.connections !== null) connections = a.connections;
    if (a.rate !== null) rate = a.rate;
  }
  return { connections, rate };
}

/** The last change made with the keys, against the setting before it; null when none. */
export function lastAdjustment(state: SessionState): AdjustedSetting | null {
  const all = state.load.adjustments;
  if (all.length === 0 || state.config === null) return null;
  const last = all[all.length - 1];
  const knob = last.rate !== null ? 'rate' : 'connections';
  const value = (knob === 'rate' ? last.rate : last.connections) ?? 0;
  let before: number | null = knob === 'rate' ? state.config.rate : state.config.connections;
  for (const a of all.slice(0, -1)) {
    const v = knob === 'rate' ? a.rate : a.connections;
    if (v !== null) before = v;
  }
  const direction = before === null || before === value ? 0 : value > before ? 1 : -1;
  return { knob, value, direction };
}

/**
 * The req/s of whole seconds only. The store counts responses into the second of load (wall
 * clock since the load started) they completed in, so its last entry is the second still
 * running, which would read as a dip on every frame; the same goes for the last fraction of
 * a second after the load ends.
 */
export function wholeSecondsRps(load: LoadState, nowMs: number, series: readonly number[] = load.rpsPerSecond): readonly number[] {
  if (load.startedAtMs === null) return [];
  const whole = Math.max(0, Math.floor(((load.finishedAtMs ?? nowMs) - load.startedAtMs) / 1000));
  return series.length <= whole ? series : series.slice(0, whole);
}

/** Requests that are over, whatever their outcome (silent resets are never "done"). */
export function requestsDone(counts: LoadCounts): number {
  return counts.completed + counts.timeouts + counts.errors;
}

/** Share of the load done, 0..1: by requests with `-n`, by time otherwise; null when unbounded. */
export function progressFraction(info: Pick<HeaderInfo, 'requestsDone' | 'requestsTotal' | 'loadElapsedMs' | 'loadDurationMs'>): number | null {
  let f: number | null = null;
  if (info.requestsTotal !== null && info.requestsTotal > 0) f = info.requestsDone / info.requestsTotal;
  else if (info.loadDurationMs !== null && info.loadDurationMs > 0) f = info.loadElapsedMs / info.loadDurationMs;
  return f === null ? null : Math.max(0, Math.min(1, f));
}

export function headerInfo(state: SessionState, view: { readonly frozen?: boolean } = {}): HeaderInfo {
  const counts = state.load.totals ?? state.load.counts;
  const elapsed = activeLoadMs(state);
  const rps = wholeSecondsRps(state.load, state.nowMs);
  const sent = wholeSecondsRps(state.load, state.nowMs, state.load.sentPerSecond);
  const ramp = state.config?.ramp ?? null;
  const lagUs = state.load.sendLag === null ? null : valueAtQuantileUs(state.load.sendLag, 0.99);
  const loading = state.load.startedAtMs !== null && state.load.finishedAtMs === null;
  const setting = currentLoadSetting(state);
  return {
    model: state.config?.model ?? '—',
    workers: state.config?.workers ?? null,
    threads: state.config?.threads ?? null,
    connections: setting.connections,
    delayS: state.config && !isOwnServer(state.config.model) ? state.config.delayS : null,
    command: state.server?.command ?? [],
    url: state.server?.url ?? null,
    phase: state.phase,
    elapsedMs: state.nowMs,
    requestsDone: requestsDone(counts),
    requestsTotal: state.config?.requests ?? null,
    loadElapsedMs: elapsed,
    loadDurationMs: state.config?.durationS == null ? null : state.config.durationS * 1000,
    rpsNow: rps.length > 0 ? rps[rps.length - 1] : null,
    loadFinished: state.load.finishedAtMs !== null,
    rpsMean: state.load.startedAtMs === null || elapsed <= 0 ? null : (counts.completed * 1000) / rateWindowMs(state),
    counts,
    rateTarget: targetRate(state) === null ? null : setting.rate,
    sentNow: sent.length > 0 ? sent[sent.length - 1] : null,
    sendLagP99Ms: lagUs === null ? null : lagUs / 1000,
    ramp,
    stageIndex: ramp !== null && loading ? stageAt(ramp.stages, elapsed)?.index ?? null : null,
    verdict: generatorVerdict(state),
    adjusted: lastAdjustment(state),
    frozen: view.frozen === true,
    container: state.server?.container
      ? { info: state.server.container, usage: state.server.containerUsage, samplingMs: state.config ? sourceIntervalMs(state.server.container.sampling, state.config.intervalMs) : null }
      : null,
    sampling: backoffOf(state.snapshot, state.config?.intervalMs, state.server?.container?.sampling ?? null),
  };
}

/** A command line as a shell would show it: arguments with spaces or quotes are quoted. */
export function formatCommand(argv: readonly string[]): string {
  return argv
    .map((a) => sanitizeForTerminal(a))
    .map((a) => (a === '' || /[\s'"\\$`]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a))
    .join(' ');
}

/** `/usr/bin/node` → `node`; URLs and non-paths unchanged. */
export function shortenPath(arg: string): string {
  return arg.startsWith('/') && !arg.includes('://') && arg.length > 1 ? arg.slice(arg.lastIndexOf('/', arg.length - 2) + 1) : arg;
}

export const PHASE_STYLE: Readonly<Record<Phase, Omit<Segment, 'text'>>> = {
  starting: { color: 'yellow' },
  ready: { color: 'cyan' },
  loading: { color: 'green', bold: true },
  paused: { color: 'yellow', bold: true },
  done: { color: 'green' },
  failed: { color: 'red', bold: true },
};

/** `▕██████▌      ▏`: a bar of `width` columns (ends included) filled to `fraction`, in eighths. */
export function progressBar(fraction: number, width: number): string {
  const inner = Math.max(1, width - 2);
  const eighths = Math.round(Math.max(0, Math.min(1, fraction)) * inner * 8);
  const full = Math.floor(eighths / 8);
  const part = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][eighths % 8];
  const filled = '█'.repeat(full) + part;
  return '▕' + filled + ' '.repeat(inner - full - (part ? 1 : 0)) + '▏';
}

/**
 * `docker watchload-gunicorn-… · image … · pids 57/100 · cpu ≤1.5 · mem 81 MiB/512 MiB · /proc`:
 * where the server runs and the cgroup limits a thread explosion hits. The pids count turns
 * yellow from 80 % of its limit and red at it: the moment the demo is about.
 */
export function containerLine(container: NonNullable<HeaderInfo['container']>, width: number): Line {
  const { info, usage } = container;
  const parts: Segment[][] = [];
  if (usage?.pidsCurrent != null || usage?.pidsLimit != null) {
    const current = usage.pidsCurrent;
    const limit = usage.pidsLimit;
    const share = current !== null && limit !== null ? current / limit : 0;
    parts.push([{ text: 'pids ' }, { text: `${current ?? '?'}${limit !== null ? `/${limit}` : ''}`, bold: true, ...(share >= 1 ? { color: 'red' } : share >= 0.8 ? { color: 'yellow' } : {}) }]);
  }
  // CPU quota and memory as the status line and the summary say them.
  const rest = usage === null ? '' : formatUsage({ ...usage, pidsCurrent: null, pidsLimit: null });
  for (const part of rest === '' ? [] : rest.split(' · ')) parts.push([{ text: part }]);
  // The engine's top samples at 1 s at the fastest: said, so a slower pane is not a surprise.
  const every = container.samplingMs !== null && info.sampling === 'engine' ? ` every ${formatInterval(container.samplingMs)}` : '';
  parts.push([{ text: info.sampling === 'proc' ? 'threads from /proc' : `threads from engine top${every}`, dim: true }]);
  parts.push([{ text: info.image, dim: true }]);
  const line: Segment[] = [{ text: 'docker ', color: 'blue', bold: true }, { text: sanitizeForTerminal(info.name) }];
  // The limits first: the image and the source go when the line is short of room.
  for (const part of parts) {
    if (lineWidth([...line, { text: ' · ' }, ...part]) > width) break;
    line.push({ text: ' · ', dim: true }, ...part);
  }
  return fitLine(line, width);
}

/** Count key, label, colour, and the noun after a count (`1 timeout`, `3 timeouts`). */
const ERROR_KINDS: ReadonlyArray<readonly [keyof LoadCounts, string, string, (n: number) => string]> = [
  ['timeouts', 'timeouts', 'red', (n) => (n === 1 ? 'timeout' : 'timeouts')],
  ['non2xx', 'non-2xx', 'yellow', () => 'non-2xx'],
  ['errors', 'conn errors', 'red', (n) => (n === 1 ? 'conn error' : 'conn errors')],
  ['resets', 'resets', 'red', (n) => (n === 1 ? 'reset' : 'resets')],
];

/** Every kind with its count; zeros dim, others in colour. */
function allErrors(counts: LoadCounts): Segment[] {
  const out: Segment[] = [];
  ERROR_KINDS.forEach(([key, name, color], k) => {
    if (k > 0) out.push({ text: ' · ', dim: true });
    const n = counts[key];
    out.push(n > 0 ? { text: `${name} ${formatCount(n)}`, color, bold: true } : { text: `${name} 0`, dim: true });
  });
  return out;
}

/** Only the kinds that happened, or `no errors`. */
function compactErrors(counts: LoadCounts): Segment[] {
  const out: Segment[] = [];
  for (const [key, , color, noun] of ERROR_KINDS) {
    const n = counts[key];
    if (n <= 0) continue;
    if (out.length > 0) out.push({ text: ' · ', dim: true });
    out.push({ text: `${formatCount(n)} ${noun(n)}`, color, bold: true });
  }
  return out.length > 0 ? out : [{ text: 'no errors', dim: true }];
}

/** How the load is driven, for the first line: `-c 50`, `--rate 200/s ≤1000 conns`, `ramp 10→50→200 conns 2/3`. */
function loadSettings(info: HeaderInfo): string[] {
  if (info.ramp !== null) {
    const unit = info.ramp.unit === 'rate' ? 'req/s' : 'conns';
    const steps = info.ramp.stages.map((s) => formatSetting(s.value)).join('→');
    const stage = info.stageIndex === null ? '' : ` · stage ${info.stageIndex + 1}/${info.ramp.stages.length}`;
    return [`ramp ${steps} ${unit}${stage}`];
  }
  // A key changed it: the setting now, and which way it went (`-c 80 ↑`).
  const arrow = (knob: AdjustedSetting['knob']) => (info.adjusted?.knob === knob && info.adjusted.direction !== 0 ? (info.adjusted.direction > 0 ? ' ↑' : ' ↓') : '');
  if (info.rateTarget !== null) return [`--rate ${formatSetting(info.rateTarget)}/s${arrow('rate')}`, ...(info.connections !== null ? [`≤${info.connections} conns${arrow('connections')}`] : [])];
  return info.connections !== null ? [`-c ${info.connections}${arrow('connections')}`] : [];
}

/** What the header may say of a back-off, longest first: `sampling 1.0 s (backed off from 250 ms)`, `sampling 1.0 s`. */
export function samplingNotes(sampling: SamplingBackoff | null): string[] {
  if (sampling === null) return [];
  return [backoffText(sampling), `sampling ${formatInterval(sampling.intervalMs)}`];
}

/**
 * The header in `lines` lines (2 to 4) of `width` columns:
 *   1. model and run settings … the sampler's back-off (yellow, when it backed off), phase, elapsed
 *      (right-aligned, always visible);
 *   2. the server's command line (left out when lines = 2);
 *   3. progress bar, requests done, req/s now and mean (and the errors when lines < 4);
 *   4. responses, ok and each error kind.
 */
export function headerLines(info: HeaderInfo, width: number, lines: number): Line[] {
  if (lines <= 0) return [];
  // Settings are left out from the least telling (the delay) when the URL would not fit.
  const settings = [
    info.workers !== null ? `${info.workers} workers` : null,
    info.threads !== null ? `${info.threads} threads` : null,
    ...loadSettings(info),
    info.delayS !== null ? `delay ${formatLatencyMs(info.delayS * 1000)}` : null,
  ].filter((s): s is string => s !== null);
  const rightWith = (note: string): Segment[] => [
    ...(note !== '' ? [{ text: note, color: 'yellow' }, { text: '  ' }] : []),
    ...(info.frozen ? [{ text: ' FROZEN ', inverse: true, bold: true }, { text: ' ' }] : []),
    { text: info.phase, ...PHASE_STYLE[info.phase] },
    { text: `  ${formatClock(info.elapsedMs)}` },
  ];
  // A sampler that backed off says so before the phase: whole while the model and the URL
  // still fit beside it, else shorter, else shorter without the URL; the settings give way first.
  const fits = (note: string, url: boolean) => displayWidth(info.model) + (url && info.url !== null ? displayWidth(` · ${info.url}`) : 0) + 1 + lineWidth(rightWith(note)) <= width;
  const [whole, short] = samplingNotes(info.sampling);
  const [note, showUrl] =
    whole === undefined ? ['', true] : fits(whole, true) ? [whole, true] : fits(short, true) ? [short, true] : fits(short, false) ? [short, false] : ['', true];
  const url = showUrl ? info.url : null;
  const leftWith = (kept: readonly string[]): Line => [
    { text: info.model, bold: true },
    { text: kept.length > 0 ? ` · ${kept.join(' · ')}` : '' },
    { text: url !== null ? ' · ' : '' },
    { text: url ?? '', color: 'cyan' },
  ];
  const right = rightWith(note);
  const rightWidth = displayWidth(right.map((s) => s.text).join(''));
  const leftRoom = Math.max(0, width - rightWidth - 1);
  let kept = settings;
  while (kept.length > 0 && lineWidth(leftWith(kept)) > leftRoom) kept = kept.slice(0, -1);
  const left = fitLine(leftWith(kept), leftRoom);
  const leftWidth = displayWidth(left.map((s) => s.text).join(''));
  const first: Line = fitLine([...left, { text: ' '.repeat(Math.max(1, width - leftWidth - rightWidth)) }, ...right], width);

  const full = info.command.length > 0 ? formatCommand(info.command) : 'starting the server…';
  // Paths are the longest and least telling part of a command: when it does not fit, show
  // each path by its last part (the summary keeps the whole command).
  const command = `$ ${full}`.length <= width || info.command.length === 0 ? full : formatCommand(info.command.map(shortenPath));
  const second: Line = [{ text: truncateMiddle(`$ ${command}`, width), dim: true }];

  const fraction = progressFraction(info);
  const barWidth = Math.max(10, Math.min(30, Math.floor(width / 4)));
  const done =
    info.requestsTotal !== null
      ? `${formatCount(info.requestsDone)}/${formatCount(info.requestsTotal)} req`
      : info.loadDurationMs !== null
        ? `${Math.floor(info.loadElapsedMs / 1000)}/${Math.round(info.loadDurationMs / 1000)} s · ${formatCount(info.requestsDone)} req`
        : `${formatCount(info.requestsDone)} req`;
  // In a container, the responses' line gives way to the container's: errors go on the bar's line.
  const compact = lines < 4 || info.container !== null;
  const errorsHappened = ERROR_KINDS.some(([key]) => info.counts[key] > 0);
  const bar: Segment = { text: progressBar(fraction ?? 0, compact ? 12 : barWidth), color: info.phase === 'paused' ? 'yellow' : 'green' };
  const pct: Segment = { text: fraction === null ? ' ' : ` ${String(Math.floor(fraction * 100)).padStart(3)}% ` };
  const rps: Segment = info.loadFinished
    ? { text: `${formatRate(info.rpsMean)} req/s mean`, bold: true }
    : { text: `${formatRate(info.rpsNow)} req/s`, bold: true };
  // Open loop: the achieved rate against the schedule's, and how late sends went out.
  const schedule: Segment[] =
    info.rateTarget === null || info.loadFinished
      ? []
      : [
          { text: ' · sent ' },
          { text: `${formatRate(info.sentNow)}/${formatSetting(info.rateTarget)}`, bold: true, ...(info.sentNow !== null && info.sentNow < 0.95 * info.rateTarget ? { color: 'yellow' } : {}) },
          { text: ' per s' },
        ];
  const lag: Segment[] = info.sendLagP99Ms === null ? [] : [{ text: ` · late p99 ${formatLatencyMs(info.sendLagP99Ms)}`, dim: true }];
  // Without a line of their own, errors that happened come right after the bar, then the rate;
  // the rest is added whole or not at all.
  const third: Segment[] = compact && errorsHappened ? [bar, pct, ...compactErrors(info.counts), { text: ' · ' }, rps, ...schedule] : [bar, pct, { text: done }, { text: ' · ' }, rps, ...schedule];
  const optional: Segment[][] = [];
  if (lag.length > 0) optional.push(lag);
  if (compact && errorsHappened) optional.push([{ text: ` · ${done}` }]);
  if (compact && !errorsHappened) optional.push([{ text: ' · no errors', dim: true }]);
  if (!info.loadFinished) optional.push([{ text: ` · mean ${formatRate(info.rpsMean)}`, dim: true }]);
  for (const part of optional) {
    if (lineWidth(third) + lineWidth(part) > width) break;
    third.push(...part);
  }

  const c = info.counts;
  const fourth: Line = [
    { text: `responses ${formatCount(c.completed)} · ok ${formatCount(c.ok)} · ` },
    ...allErrors(c),
  ];

  // The generator's verdict takes the command's line: while it holds, it matters more.
  const verdict: Line | null = info.verdict === null ? null : [{ text: `⚠ ${info.verdict.text}`, color: info.verdict.generatorBound ? 'red' : 'yellow', bold: true }];
  // In a container, its line takes the place of the responses' (the errors move up to the bar's).
  const docker = info.container === null ? null : containerLine(info.container, width);
  const all =
    docker !== null
      ? lines >= 4 ? [first, verdict ?? second, docker, third] : lines === 3 ? [first, verdict ?? docker, third] : [first, verdict ?? third]
      : lines >= 4 ? [first, verdict ?? second, third, fourth] : lines === 3 ? [first, verdict ?? second, third] : [first, verdict ?? third];
  return all.slice(0, lines).map((l) => fitLine(l, width));
}

export interface HeaderProps {
  /** What to show; see `headerInfo(state)`. */
  readonly info: HeaderInfo;
  /** Columns available. */
  readonly widthColumns: number;
  /** Lines to use, 1 to 4 (see `headerLines`). */
  readonly lines: number;
}

/** The top of the screen: what runs, where, how far along, how fast, what failed. */
export function Header({ info, widthColumns, lines }: HeaderProps): React.JSX.Element {
  return (
    <Box flexDirection="column" width={widthColumns}>
      {headerLines(info, widthColumns, lines).map((line, k) => (
        <TextLine key={k} line={line} />
      ))}
    </Box>
  );
}
