/**
 * Pure time math of a load: stages (`--ramp`) and the open-loop send schedule (`--rate`).
 * Times are milliseconds of load time: 0 is the first send, pauses do not count.
 */

/** One step of a load: for durationMs, hold value (connections; requests/s in open loop). */
export interface Stage {
  readonly durationMs: number;
  readonly value: number;
}

/** The stage running at tMs, and when it started; null at or after the end of the last stage. */
export function stageAt(stages: readonly Stage[], tMs: number): { readonly index: number; readonly startMs: number; readonly stage: Stage } | null {
  let startMs = 0;
  for (let index = 0; index < stages.length; index++) {
    const stage = stages[index];
    if (tMs < startMs + stage.durationMs) return { index, startMs, stage };
    startMs += stage.durationMs;
  }
  return null;
}

export function stagesDurationMs(stages: readonly Stage[]): number {
  return stages.reduce((sum, s) => sum + s.durationMs, 0);
}

/** The stages from fromMs on (what is left after a pause at fromMs), re-based to start at 0. */
export function stagesFrom(stages: readonly Stage[], fromMs: number): Stage[] {
  const rest: Stage[] = [];
  let startMs = 0;
  for (const stage of stages) {
    const endMs = startMs + stage.durationMs;
    if (endMs > fromMs) rest.push({ durationMs: endMs - Math.max(startMs, fromMs), value: stage.value });
    startMs = endMs;
  }
  return rest;
}

/** The largest value of any stage: the connections a closed-loop ramp needs at most. */
export function peakValue(stages: readonly Stage[]): number {
  return stages.reduce((max, s) => Math.max(max, s.value), 0);
}

/**
 * Parses `--ramp 10:50,20:200`: 10 s at 50, then 20 s at 200 (connections; requests/s with
 * --rate). Steps, not slopes: each value holds for its whole stage. Throws an Error whose
 * message is one line for the user.
 */
export function parseRamp(text: string): Stage[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) throw new Error(`--ramp: expected SECONDS:VALUE[,SECONDS:VALUE…], got '${text}'`);
  return parts.map((part) => {
    const match = /^(\d+(?:\.\d+)?)(?:s)?:(\d+(?:\.\d+)?)$/.exec(part);
    if (!match) throw new Error(`--ramp: '${part}' is not SECONDS:VALUE (e.g. 10:50)`);
    const seconds = Number(match[1]);
    const value = Number(match[2]);
    if (!(seconds > 0) || seconds > 86_400) throw new Error(`--ramp: '${part}': a stage lasts more than 0 s and at most 86400 s`);
    if (value > 1_000_000) throw new Error(`--ramp: '${part}': ${match[2]} is too large`);
    return { durationMs: seconds * 1000, value };
  });
}

/**
 * The open-loop schedule: when each request is meant to be sent, whatever became of the
 * previous ones (wrk2's model). Request k is due when the schedule's cumulative count
 * ∫rate dt reaches k + phase: evenly spaced within a stage, never bursts. `phase` (0..1)
 * offsets the schedule by a fraction of one interval, so N load workers each running rate/N
 * with phases 0, 1/N, … interleave into one even stream.
 */
export interface Pacer {
  /** Intended time of the next request not yet taken; null when the schedule is over. */
  peek(): number | null;
  /** Takes the next request if it is due at tMs and returns its intended time; else null. */
  take(tMs: number): number | null;
  /** Requests due at tMs and not yet taken: how far sending is behind the schedule. */
  backlog(tMs: number): number;
  /** Requests taken so far. */
  readonly taken: number;
  /** Requests the whole schedule sends (Infinity for an endless stage without a limit). */
  readonly total: number;
}

export interface PacerOptions {
  /** Requests per second per stage; a stage of 0 sends nothing for its duration. */
  readonly stages: readonly Stage[];
  readonly phase?: number;
  /** At most this many requests (-n); null for no limit beyond the stages. */
  readonly limit?: number | null;
}

export function createPacer(options: PacerOptions): Pacer {
  const stages = options.stages;
  const phase = options.phase ?? 0;
  const limit = options.limit ?? null;
  let taken = 0;

  /** Intended time of request k (0-based), or null when it falls after the last stage. */
  const timeOf = (k: number): number | null => {
    if (limit !== null && k >= limit) return null;
    const target = k + phase;
    let startMs = 0;
    let countAtStart = 0;
    for (const stage of stages) {
      const countAtEnd = countAtStart + (stage.value * stage.durationMs) / 1000;
      if (stage.value > 0 && target < countAtEnd) return startMs + ((target - countAtStart) * 1000) / stage.value;
      startMs += stage.durationMs;
      countAtStart = countAtEnd;
    }
    return null;
  };

  /** The schedule's cumulative count ∫rate dt from 0 to tMs (clamped to the stages). */
  const countBy = (tMs: number): number => {
    let startMs = 0;
    let count = 0;
    for (const stage of stages) {
      count += (stage.value * Math.min(Math.max(0, tMs - startMs), stage.durationMs)) / 1000;
      startMs += stage.durationMs;
    }
    return count;
  };
  const scheduled = Math.max(0, Math.ceil(countBy(Infinity) - phase - 1e-9));
  const total = limit === null ? scheduled : Math.min(limit, scheduled);

  /** Requests whose intended time is at or before tMs, taken or not: k + phase ≤ count(tMs). */
  const dueBy = (tMs: number): number => {
    const count = countBy(tMs) - phase;
    return count < 0 ? 0 : Math.min(total, Math.floor(count + 1e-9) + 1);
  };

  let next = timeOf(0);
  return {
    peek: () => next,
    take(tMs) {
      if (next === null || next > tMs) return null;
      const intended = next;
      taken++;
      next = timeOf(taken);
      return intended;
    },
    backlog: (tMs) => Math.max(0, dueBy(tMs) - taken),
    get taken() {
      return taken;
    },
    total,
  };
}
