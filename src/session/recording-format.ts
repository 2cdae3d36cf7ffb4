import type { ProcessSample, Snapshot, ThreadSample } from '../proc/types.js';
import type { SessionEvent } from './events.js';

/**
 * The recording file (`--record FILE.ndjson`): one JSON value per line. Line 1 is the header;
 * then every SessionEvent in dispatch order. Events are written as they are, except
 * `proc/sample`: a snapshot of 1,000 threads is ~150 KB of JSON, 4 times a second, so
 * samples are delta-encoded against the previous one (processes listed by pid, per thread
 * only the fields that changed, unchanged threads omitted), with a full keyframe now and then.
 * Values are never rounded: a replay folds the very events the live run folded, and its report
 * equals the live one.
 */
export const RECORDING_FORMAT = 'watchload-recording';
export const RECORDING_VERSION = 1;

export interface RecordingHeader {
  readonly format: typeof RECORDING_FORMAT;
  readonly version: number;
  /** The watchload package version that wrote it. */
  readonly watchload: string;
  /** ISO 8601, when the recording started. */
  readonly createdAt: string;
}

/** A full keyframe this often (recording time), so a damaged delta never spreads far. */
export const KEYFRAME_EVERY_MS = 60_000;

/**
 * A thread in a keyframe or a new thread in a delta, as an array:
 * [tid, name, state, cpuPercent, ranMs, lastCpu, wchan, waitLabel, role].
 */
type ThreadRow = [number, string, string, number | null, number | null, number, string, string, string];

/** Short keys of the thread fields a delta may carry (tid is `i`). */
const THREAD_DELTA_KEYS = {
  n: 'name',
  s: 'state',
  c: 'cpuPercent',
  r: 'ranMs',
  l: 'lastCpu',
  w: 'wchan',
  x: 'waitLabel',
  o: 'role',
} as const satisfies Record<string, Exclude<keyof ThreadSample, 'tid'>>;
type ThreadDeltaKey = keyof typeof THREAD_DELTA_KEYS;
const DELTA_ENTRIES = Object.entries(THREAD_DELTA_KEYS) as [ThreadDeltaKey, Exclude<keyof ThreadSample, 'tid'>][];

/** Changed fields of a thread that was in the previous sample; `i` is its tid. */
type ThreadDelta = { i: number } & Partial<Record<ThreadDeltaKey, string | number | null>>;

/** A process that was not in the previous sample: everything, its threads as rows. */
interface WireProcessFull {
  readonly pid: number;
  readonly ppid: number;
  readonly name: string;
  readonly cmdline: readonly string[];
  readonly rssBytes: number;
  readonly cpuPercent: number | null;
  readonly group?: string;
  /** Threads as rows, in the sample's order. */
  readonly threads: ThreadRow[];
}

/**
 * A process that was in the previous sample: its pid, the fields that changed (group: null
 * when it lost its group), and its threads as changes: `t` changed, `a` added (rows), `g`
 * gone (tids), and `ord` the tids in order when survivors-then-added sorted by tid is not it.
 */
interface WireProcessDelta {
  readonly p: number;
  ppid?: number;
  name?: string;
  cmdline?: readonly string[];
  rssBytes?: number;
  cpuPercent?: number | null;
  group?: string | null;
  t?: ThreadDelta[];
  a?: ThreadRow[];
  g?: number[];
  ord?: number[];
}

/** The snapshot of a proc/sample line: a keyframe (`key`) or a delta (`delta`). */
interface WireSample {
  readonly tMs: number;
  readonly intervalMs: number;
  readonly costMs: number;
  /**
   * Snapshot.targetIntervalMs, when the snapshot has it (issue 8). Optional, so the version
   * stays 1: recordings made before it read as before, and a reader that does not know it
   * ignores it.
   */
  readonly targetIntervalMs?: number;
  readonly processes: (WireProcessFull | WireProcessDelta)[];
}

export type SampleLine =
  | { readonly type: 'proc/sample'; readonly tMs: number; readonly key: WireSample }
  | { readonly type: 'proc/sample'; readonly tMs: number; readonly delta: WireSample };

function toRow(t: ThreadSample): ThreadRow {
  return [t.tid, t.name, t.state, t.cpuPercent, t.ranMs, t.lastCpu, t.wchan, t.waitLabel, t.role];
}

function fromRow(row: ThreadRow): ThreadSample {
  const [tid, name, state, cpuPercent, ranMs, lastCpu, wchan, waitLabel, role] = row;
  return { tid, name, state, cpuPercent, ranMs, lastCpu, wchan, waitLabel, role };
}

function fullProcess(p: ProcessSample): WireProcessFull {
  const base = { pid: p.pid, ppid: p.ppid, name: p.name, cmdline: p.cmdline, rssBytes: p.rssBytes, cpuPercent: p.cpuPercent };
  return { ...base, ...(p.group === undefined ? {} : { group: p.group }), threads: p.threads.map(toRow) };
}

function processFromFull(w: WireProcessFull): ProcessSample {
  const base = { pid: w.pid, ppid: w.ppid, name: w.name, cmdline: w.cmdline, rssBytes: w.rssBytes, cpuPercent: w.cpuPercent };
  const threads = w.threads.map(fromRow);
  return w.group === undefined ? { ...base, threads } : { ...base, group: w.group, threads };
}

const sameStrings = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((s, i) => s === b[i]);

/** Survivors in their previous order, then the added, each run as it was: sorted by tid when the sample was. */
function rebuildOrder(previous: readonly number[], gone: ReadonlySet<number>, added: readonly number[]): number[] {
  const order = previous.filter((tid) => !gone.has(tid)).concat(added);
  return order.sort((a, b) => a - b);
}

function deltaProcess(prev: ProcessSample, p: ProcessSample): WireProcessDelta {
  const d: WireProcessDelta = { p: p.pid };
  if (prev.ppid !== p.ppid) d.ppid = p.ppid;
  if (prev.name !== p.name) d.name = p.name;
  if (!sameStrings(prev.cmdline, p.cmdline)) d.cmdline = p.cmdline;
  if (!Object.is(prev.rssBytes, p.rssBytes)) d.rssBytes = p.rssBytes;
  if (!Object.is(prev.cpuPercent, p.cpuPercent)) d.cpuPercent = p.cpuPercent;
  if (prev.group !== p.group) d.group = p.group ?? null;

  const before = new Map<number, ThreadSample>();
  for (const t of prev.threads) before.set(t.tid, t);
  const changed: ThreadDelta[] = [];
  const added: ThreadRow[] = [];
  const present = new Set<number>();
  for (const t of p.threads) {
    present.add(t.tid);
    const old = before.get(t.tid);
    if (old === undefined) {
      added.push(toRow(t));
      continue;
    }
    let delta: ThreadDelta | null = null;
    for (const [short, field] of DELTA_ENTRIES) {
      if (!Object.is(old[field], t[field])) (delta ??= { i: t.tid })[short] = t[field];
    }
    if (delta) changed.push(delta);
  }
  const gone = prev.threads.filter((t) => !present.has(t.tid)).map((t) => t.tid);
  if (changed.length > 0) d.t = changed;
  if (added.length > 0) d.a = added;
  if (gone.length > 0) d.g = gone;
  const rebuilt = rebuildOrder(prev.threads.map((t) => t.tid), new Set(gone), added.map((row) => row[0]));
  const actual = p.threads.map((t) => t.tid);
  if (rebuilt.some((tid, k) => tid !== actual[k]) || rebuilt.length !== actual.length) d.ord = actual;
  return d;
}

function applyProcessDelta(prev: ProcessSample, d: WireProcessDelta, line: number): ProcessSample {
  const threads = new Map<number, ThreadSample>();
  for (const t of prev.threads) threads.set(t.tid, t);
  for (const tid of d.g ?? []) threads.delete(tid);
  for (const change of d.t ?? []) {
    const old = threads.get(change.i);
    if (old === undefined) throw new RecordingFormatError(`line ${line}: a change to thread ${change.i} of pid ${d.p}, which the previous sample does not have`);
    const next: Record<string, unknown> = { ...old };
    for (const [short, field] of DELTA_ENTRIES) if (short in change) next[field] = change[short];
    threads.set(change.i, next as unknown as ThreadSample);
  }
  const added = (d.a ?? []).map(fromRow);
  for (const t of added) threads.set(t.tid, t);
  const order = d.ord ?? rebuildOrder(prev.threads.map((t) => t.tid), new Set(d.g ?? []), added.map((t) => t.tid));
  const list = order.map((tid) => {
    const t = threads.get(tid);
    if (t === undefined) throw new RecordingFormatError(`line ${line}: thread ${tid} of pid ${d.p} is in no sample`);
    return t;
  });
  const group = d.group === undefined ? prev.group : d.group ?? undefined;
  const base = {
    pid: prev.pid,
    ppid: d.ppid ?? prev.ppid,
    name: d.name ?? prev.name,
    cmdline: d.cmdline ?? prev.cmdline,
    rssBytes: d.rssBytes ?? prev.rssBytes,
    cpuPercent: d.cpuPercent === undefined ? prev.cpuPercent : d.cpuPercent,
  };
  return group === undefined ? { ...base, threads: list } : { ...base, group, threads: list };
}

/** A line that is JSON but not what the format says. */
export class RecordingFormatError extends Error {}

/**
 * Turns events into lines and back, keeping the previous sample on each side. One encoder
 * per file; samples must be encoded in the order they are written.
 */
export class EventEncoder {
  private previous: Snapshot | null = null;
  private keyframeAtMs = -Infinity;
  constructor(private readonly keyframeEveryMs = KEYFRAME_EVERY_MS) {}

  /** The JSON text of one line, without the newline. */
  encode(event: SessionEvent): string {
    if (event.type !== 'proc/sample') return JSON.stringify(event);
    const snapshot = event.snapshot;
    const prev = this.previous;
    this.previous = snapshot;
    const head = {
      tMs: snapshot.tMs,
      intervalMs: snapshot.intervalMs,
      costMs: snapshot.costMs,
      ...(snapshot.targetIntervalMs === undefined ? {} : { targetIntervalMs: snapshot.targetIntervalMs }),
    };
    if (prev === null || snapshot.tMs - this.keyframeAtMs >= this.keyframeEveryMs || snapshot.tMs < prev.tMs) {
      this.keyframeAtMs = snapshot.tMs;
      const line: SampleLine = { type: 'proc/sample', tMs: event.tMs, key: { ...head, processes: snapshot.processes.map(fullProcess) } };
      return JSON.stringify(line);
    }
    const before = new Map<number, ProcessSample>();
    for (const p of prev.processes) before.set(p.pid, p);
    const processes = snapshot.processes.map((p) => {
      const old = before.get(p.pid);
      return old === undefined ? fullProcess(p) : deltaProcess(old, p);
    });
    const line: SampleLine = { type: 'proc/sample', tMs: event.tMs, delta: { ...head, processes } };
    return JSON.stringify(line);
  }
}

export const EVENT_TYPES: ReadonlySet<string> = new Set<SessionEvent['type']>([
  'session/started',
  'upstream/ready',
  'server/spawned',
  'server/ready',
  'server/exited',
  'server/container-usage',
  'proc/sample',
  'load/started',
  'load/batch',
  'load/paused',
  'load/resumed',
  'load/finished',
  'load/adjusted',
  'upstream/failed',
  'session/ended',
]);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export class EventDecoder {
  private previous: Snapshot | null = null;

  /** One parsed line (after the header) back to its event; `line` numbers errors. */
  decode(value: unknown, line: number): SessionEvent {
    if (!isObject(value) || typeof value.type !== 'string' || typeof value.tMs !== 'number') {
      throw new RecordingFormatError(`line ${line}: not an event (an object with a type and a tMs)`);
    }
    if (!EVENT_TYPES.has(value.type)) throw new RecordingFormatError(`line ${line}: unknown event type '${value.type.slice(0, 40)}'`);
    if (value.type !== 'proc/sample') {
      checkEvent(value, line);
      return value as unknown as SessionEvent;
    }
    const wire = isObject(value.key) ? value.key : isObject(value.delta) ? value.delta : null;
    if (wire === null || !Array.isArray(wire.processes)) throw new RecordingFormatError(`line ${line}: a proc/sample without its snapshot`);
    const sample = wire as unknown as WireSample;
    let processes: ProcessSample[];
    if (isObject(value.key)) {
      processes = sample.processes.map((p) => processFromFull(checkFull(p, line)));
    } else {
      const prev = this.previous;
      if (prev === null) throw new RecordingFormatError(`line ${line}: a delta sample before any keyframe`);
      const before = new Map<number, ProcessSample>();
      for (const p of prev.processes) before.set(p.pid, p);
      processes = sample.processes.map((p) => {
        if ('p' in p) {
          checkDelta(p, line);
          const old = before.get(p.p);
          if (old === undefined) throw new RecordingFormatError(`line ${line}: a change to pid ${p.p}, which the previous sample does not have`);
          return applyProcessDelta(old, p, line);
        }
        return processFromFull(checkFull(p, line));
      });
    }
    const base: Snapshot = { tMs: sample.tMs, intervalMs: sample.intervalMs, processes, costMs: sample.costMs };
    const snapshot: Snapshot = typeof sample.targetIntervalMs === 'number' ? { ...base, targetIntervalMs: sample.targetIntervalMs } : base;
    this.previous = snapshot;
    return { type: 'proc/sample', tMs: value.tMs, snapshot };
  }
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isNumberOrNull = (value: unknown) => value === null || isNumber(value);
const isStrings = (value: unknown) => Array.isArray(value) && value.every((a) => typeof a === 'string');

/** What each thread field must be: a file is not trusted (its strings reach the terminal and the page). */
const THREAD_FIELD_OK: Readonly<Record<Exclude<keyof ThreadSample, 'tid'>, (value: unknown) => boolean>> = {
  name: (v) => typeof v === 'string',
  state: (v) => typeof v === 'string',
  cpuPercent: isNumberOrNull,
  ranMs: isNumberOrNull,
  lastCpu: isNumber,
  wchan: (v) => typeof v === 'string',
  waitLabel: (v) => typeof v === 'string',
  role: (v) => typeof v === 'string',
};
const ROW_FIELDS = ['name', 'state', 'cpuPercent', 'ranMs', 'lastCpu', 'wchan', 'waitLabel', 'role'] as const;

function checkRow(row: unknown, line: number): void {
  const ok = Array.isArray(row) && row.length === 9 && isNumber(row[0]) && ROW_FIELDS.every((field, k) => THREAD_FIELD_OK[field](row[k + 1]));
  if (!ok) throw new RecordingFormatError(`line ${line}: a thread row that is not [tid, name, state, cpu, ran, lastCpu, wchan, waitLabel, role]`);
}

/** The process fields a full process or a delta may carry, each of its type when present. */
function checkProcessFields(p: Record<string, unknown>, line: number): void {
  const fine =
    (p.ppid === undefined || isNumber(p.ppid)) &&
    (p.name === undefined || typeof p.name === 'string') &&
    (p.cmdline === undefined || isStrings(p.cmdline)) &&
    (p.rssBytes === undefined || isNumber(p.rssBytes)) &&
    (p.cpuPercent === undefined || isNumberOrNull(p.cpuPercent)) &&
    (p.group === undefined || p.group === null || typeof p.group === 'string');
  if (!fine) throw new RecordingFormatError(`line ${line}: a process whose fields are not of their types`);
}

function checkFull(p: WireProcessFull | WireProcessDelta, line: number): WireProcessFull {
  if (!isObject(p) || typeof (p as WireProcessFull).pid !== 'number' || !Array.isArray((p as WireProcessFull).threads)) {
    throw new RecordingFormatError(`line ${line}: a process without pid or threads`);
  }
  const full = p as unknown as Record<string, unknown>;
  if (typeof full.name !== 'string' || !isStrings(full.cmdline) || !isNumber(full.ppid) || !isNumber(full.rssBytes)) {
    throw new RecordingFormatError(`line ${line}: a process without its name, cmdline, ppid or rssBytes`);
  }
  checkProcessFields(full, line);
  for (const row of (p as WireProcessFull).threads) checkRow(row, line);
  return p as WireProcessFull;
}

/** A delta's fields, changes and added rows, each of its type. */
function checkDelta(d: WireProcessDelta, line: number): void {
  checkProcessFields(d as unknown as Record<string, unknown>, line);
  for (const row of d.a ?? []) checkRow(row, line);
  for (const change of d.t ?? []) {
    if (!isObject(change) || !isNumber(change.i)) throw new RecordingFormatError(`line ${line}: a thread change without its tid`);
    for (const [short, field] of DELTA_ENTRIES) {
      if (short in change && !THREAD_FIELD_OK[field](change[short])) throw new RecordingFormatError(`line ${line}: thread ${change.i}: ${field} is not of its type`);
    }
  }
  const tids = (list: unknown) => list === undefined || (Array.isArray(list) && list.every(isNumber));
  if (!tids(d.g) || !tids(d.ord)) throw new RecordingFormatError(`line ${line}: thread ids that are not numbers`);
}

/** The fields the reducer reads without looking, checked so a damaged line fails here, by number. */
function checkEvent(value: Record<string, unknown>, line: number): void {
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new RecordingFormatError(`line ${line}: ${value.type} ${what}`);
  };
  switch (value.type) {
    case 'session/started':
      need(isObject(value.config) && typeof value.config.model === 'string' && isObject(value.config.guards), 'without its config');
      break;
    case 'server/spawned':
      need(typeof value.pid === 'number' && isStrings(value.command) && typeof value.url === 'string', 'without pid, command or url');
      break;
    case 'server/exited':
      need(isStrings(value.stderrTail), 'without stderrTail');
      break;
    case 'server/container-usage':
      need(isObject(value.usage), 'without usage');
      break;
    case 'upstream/failed':
      need(typeof value.message === 'string', 'without a message');
      break;
    case 'load/batch': {
      const batch = value.batch;
      const histogram = isObject(batch) ? batch.histogram : null;
      need(isObject(batch) && isObject(batch.counts) && typeof batch.sent === 'number', 'without counts or sent');
      need(isObject(histogram) && Array.isArray(histogram.valuesUs) && Array.isArray(histogram.counts), 'without its histogram');
      break;
    }
    case 'load/finished':
      need(isObject(value.totals), 'without totals');
      break;
    case 'session/ended':
      need(typeof value.reason === 'string', 'without a reason');
      break;
  }
}
