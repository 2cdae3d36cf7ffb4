import type { ProcessTrack, SessionState } from '../session/state.js';
import { loadSpan, peakBetween, plural, processName, round1, seconds, tracks, valueAt, type LoadSpan } from './evidence.js';
import type { Insight } from './types.js';

/** Fewer new threads than this is noise (a runtime's helper thread), not a shape. */
const MIN_GROWTH = 2;
/** A plateau is only a pool when it held this long, and this share of the load. */
const MIN_PLATEAU_MS = 1_000;
const MIN_PLATEAU_SHARE = 0.3;
/** Flat is only worth saying after this much load. */
const MIN_FLAT_LOAD_MS = 1_000;

function aliveAtStart(track: ProcessTrack, span: LoadSpan): boolean {
  return track.firstMs <= span.startMs;
}

/** prefork: worker processes existed before the first request. */
export function prefork(state: SessionState): Insight[] {
  const before = state.shape.before;
  const span = loadSpan(state);
  if (span === null || before === null || before.processes < 2) return [];
  const reached = state.timeline.find((p) => p.processes >= before.processes);
  const workers = before.processes - 1;
  return [{
    kind: 'prefork',
    tMs: reached?.tMs ?? span.startMs,
    pid: state.server?.pid ?? null,
    text: `${before.processes} processes existed before the first request (1 master + ${plural(workers, 'worker')}): prefork`,
    evidence: { processes: before.processes, workers, threads: before.threads, firstRequestS: round1(span.startMs / 1000) },
  }];
}

interface Growth {
  readonly track: ProcessTrack;
  readonly from: number;
  readonly peak: number;
  readonly peakMs: number;
  readonly startedMs: number;
  /** The latest count: after the load once it finished. */
  readonly now: number;
}

function growthUnderLoad(track: ProcessTrack, span: LoadSpan): Growth | null {
  if (!aliveAtStart(track, span)) return null;
  const from = valueAt(track.threads, span.startMs);
  const peak = peakBetween(track.threads, span.startMs, span.endMs);
  if (peak.value - from < MIN_GROWTH) return null;
  const firstRise = track.threads.find(([t, v]) => t > span.startMs && v > from);
  const now = track.threads[track.threads.length - 1][1];
  return { track, from, peak: peak.value, peakMs: peak.tMs, startedMs: firstRise?.[0] ?? peak.tMs, now };
}

function afterwards(growth: Growth, span: LoadSpan): string {
  if (!span.finished) return growth.now < growth.peak ? ` (now ${growth.now})` : ' so far';
  if (growth.now >= growth.peak) return ', and stayed after the load';
  if (growth.now <= growth.from) return `, and fell back to ${growth.from} after the load`;
  return `, then ${growth.now} after the load`;
}

/** on demand: threads born as requests came, per process (several processes: one statement). */
export function onDemand(state: SessionState): Insight[] {
  const span = loadSpan(state);
  if (span === null) return [];
  const grown = tracks(state).map((t) => growthUnderLoad(t, span)).filter((g): g is Growth => g !== null);
  if (grown.length === 0) return [];
  grown.sort((a, b) => b.peak - b.from - (a.peak - a.from));
  const top = grown[0];
  const each = grown.slice(0, 3).map((g) => `${processName(g.track)} ${g.from} → ${g.peak}`).join(', ');
  const more = grown.length > 3 ? ` and ${grown.length - 3} more` : '';
  const subject = grown.length === 1 ? `threads of ${processName(top.track)} grew ${top.from} → ${top.peak}` : `threads grew in ${grown.length} processes: ${each}${more}`;
  return [{
    kind: 'on-demand',
    tMs: Math.min(...grown.map((g) => g.startedMs)),
    pid: top.track.pid,
    text: `${subject} during load${afterwards(top, span)}: threads on demand`,
    evidence: { processes: grown.length, from: top.from, peak: top.peak, after: span.finished ? top.now : null, secondsToPeak: round1((top.peakMs - span.startMs) / 1000) },
  }];
}

interface Plateau {
  readonly track: ProcessTrack;
  /** The level counts Node's named pool threads; otherwise the process's whole count. */
  readonly named: boolean;
  readonly from: number;
  readonly level: number;
  /** Threads of the whole process at the level. */
  readonly threads: number;
  readonly reachedMs: number;
  readonly heldMs: number;
}

function plateau(track: ProcessTrack, span: LoadSpan): Plateau | null {
  if (!aliveAtStart(track, span)) return null;
  const named = track.pooled.some(([, v]) => v > 0);
  const series = named ? track.pooled : track.threads;
  const from = valueAt(series, span.startMs);
  const peak = peakBetween(series, span.startMs, span.endMs);
  const level = peak.value;
  const heldMs = span.endMs - peak.tMs;
  const held = series[series.length - 1][1] === level && series.every(([t, v]) => t <= peak.tMs || v === level);
  const longEnough = heldMs >= MIN_PLATEAU_MS && heldMs >= MIN_PLATEAU_SHARE * (span.endMs - span.startMs);
  if (!held || !longEnough || level < MIN_GROWTH) return null;
  // A whole count that never moved is 'flat', not a pool: only named pools count from the start.
  if (!(named && from === level) && level - from < MIN_GROWTH) return null;
  return { track, named, from, level, threads: valueAt(track.threads, span.endMs), reachedMs: named && from === level ? track.firstMs : peak.tMs, heldMs };
}

function listed(plateaus: readonly Plateau[], describe: (p: Plateau) => string): string {
  const shown = plateaus.slice(0, 3).map(describe).join(', ');
  return plateaus.length > 3 ? `${shown} and ${plateaus.length - 3} more` : shown;
}

/**
 * pool: a count that reached its level and held it to the end of the load and after — a
 * fixed set of threads, not one per request. Named pools (Node's worker threads, libuv's
 * threadpool) are told apart from the runtime's own threads by role; otherwise the process's
 * whole count is read, and only growth on first use counts (a count flat from the start is
 * 'flat'). Processes alike (a server's workers) make one statement.
 */
export function pool(state: SessionState): Insight[] {
  const span = loadSpan(state);
  if (span === null) return [];
  const plateaus = tracks(state).map((t) => plateau(t, span)).filter((p): p is Plateau => p !== null);
  const upFront = plateaus.filter((p) => p.named && p.from === p.level);
  const onFirstUse = plateaus.filter((p) => !(p.named && p.from === p.level));
  const found: Insight[] = [];
  const through = span.finished ? ', through the end of the load' : ' so far';
  if (upFront.length > 0) {
    const first = upFront[0];
    const where = upFront.length === 1 ? processName(first.track) : `${upFront.length} processes`;
    found.push({
      kind: 'pool',
      tMs: Math.min(...upFront.map((p) => p.reachedMs)),
      pid: first.track.pid,
      text: `${where}: ${plural(first.level, 'pool thread')} existed before the first request and held at ${first.level} under load${through}: a fixed pool`,
      evidence: { processes: upFront.length, poolThreads: first.level, threads: first.threads, upFront: 1 },
    });
  }
  if (onFirstUse.length > 0) {
    const first = onFirstUse[0];
    const describe = (p: Plateau) => (p.named ? `${processName(p.track)} ${p.level - p.from} pool threads (${p.threads} in all)` : `${processName(p.track)} ${p.from} → ${p.level}`);
    const heldMs = Math.min(...onFirstUse.map((p) => p.heldMs));
    found.push({
      kind: 'pool',
      tMs: Math.min(...onFirstUse.map((p) => p.reachedMs)),
      pid: first.track.pid,
      text: `threads appeared on first use and held for ${seconds(heldMs)}${through}, a fixed pool: ${listed(onFirstUse, describe)}`,
      evidence: { processes: onFirstUse.length, from: first.from, level: first.level, threads: first.threads, heldS: round1(heldMs / 1000), upFront: 0 },
    });
  }
  return found;
}

/** flat: concurrency without threads — every process kept its thread count under load. */
export function flat(state: SessionState): Insight[] {
  const span = loadSpan(state);
  const config = state.config;
  if (span === null || config === null || span.activeMs < MIN_FLAT_LOAD_MS || config.connections < 2) return [];
  const atStart = tracks(state).filter((t) => aliveAtStart(t, span));
  if (atStart.length === 0) return [];
  for (const track of atStart) {
    const from = valueAt(track.threads, span.startMs);
    if (track.threads.some(([t, v]) => t > span.startMs && t <= span.endMs && v !== from)) return [];
  }
  const threads = atStart.reduce((n, t) => n + valueAt(t.threads, span.startMs), 0);
  const inFlight = Math.max(
    config.ramp?.unit === 'connections' ? Math.max(...config.ramp.stages.map((s) => s.value)) : config.connections,
    ...state.load.adjustments.map((a) => a.connections ?? 0),
  );
  const where = atStart.length === 1 ? `${processName(atStart[0])} kept its ${plural(threads, 'thread')}` : `${atStart.length} processes kept their ${threads} threads`;
  return [{
    kind: 'flat',
    tMs: span.startMs,
    pid: atStart.length === 1 ? atStart[0].pid : state.server?.pid ?? null,
    text: `${where} under load${span.finished ? '' : ' so far'}, with up to ${inFlight} connections: no thread per request`,
    evidence: { processes: atStart.length, threads, connections: inFlight },
  }];
}

/** The last share of the load in which a count that is still rising has no plateau. */
const TAIL_SHARE = 0.3;
const MIN_EXPLOSION_GROWTH = 20;

/** thread explosion: a count still climbing when the load ended (or now), at what rate. */
export function threadExplosion(state: SessionState): Insight[] {
  const span = loadSpan(state);
  // Up to when the load stopped sending: the drain after a deadline is no part of the trend.
  const endMs = span?.sendEndMs ?? 0;
  if (span === null || endMs - span.startMs < 2_000) return [];
  const found: Insight[] = [];
  for (const track of tracks(state)) {
    if (!aliveAtStart(track, span)) continue;
    const from = valueAt(track.threads, span.startMs);
    const peak = peakBetween(track.threads, span.startMs, endMs);
    const grew = peak.value - from;
    if (grew < MIN_EXPLOSION_GROWTH || peak.value < 2 * Math.max(1, from)) continue;
    const tailFromMs = endMs - TAIL_SHARE * (endMs - span.startMs);
    const atTail = valueAt(track.threads, tailFromMs);
    const atEnd = valueAt(track.threads, endMs);
    const stillRising = atEnd - atTail >= Math.max(5, 0.1 * grew) && atEnd >= 0.95 * peak.value;
    if (!stillRising) continue;
    const perSecond = grew / Math.max(0.001, (peak.tMs - span.startMs) / 1000);
    found.push({
      kind: 'thread-explosion',
      tMs: tailFromMs,
      pid: track.pid,
      text: `threads of ${processName(track)} grew ${from} → ${peak.value} at ${Math.round(perSecond)} threads/s with no plateau${span.finished || endMs < span.endMs ? ': still climbing when the load stopped' : ''}`,
      evidence: { from, peak: peak.value, perSecond: round1(perSecond), lastShareGrowth: atEnd - atTail },
    });
  }
  return found;
}
