import { createPacer, stageAt, type Pacer, type Stage } from './schedule.js';

/**
 * Admission of requests to the wire, for the loads that are not a plain closed loop: an open
 * loop (`--rate`: a request goes out when the schedule says, on whichever connection is idle)
 * and a closed-loop ramp (`--ramp`: only the first N connections of the stage send). Each
 * client asks before every request; the gate answers send now (with the intended time), wait
 * (the client is parked until the gate releases it), or closed. It knows nothing of sockets:
 * the engine wires it to autocannon's clients, tests to plain objects on a fake clock.
 */

export interface GateTimers {
  /** Load time in milliseconds, the clock intended times are on. */
  now(): number;
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export type GateMode =
  | { readonly kind: 'rate'; readonly stages: readonly Stage[]; readonly phase: number; readonly limit: number | null }
  | { readonly kind: 'connections'; readonly stages: readonly Stage[]; readonly limit?: number | null };

export interface GateHooks<C> {
  /** Lets a parked client send; intendedMs is when the schedule meant it to go. */
  release(client: C, intendedMs: number): void;
  /** The schedule has nothing more to send (open loop only; called once). */
  exhausted(): void;
  /** Order of a client among its instance's clients (0-based): a ramp's stage admits the first N. */
  index(client: C): number;
  /** Whether the client still has an open connection: an open loop prefers those. */
  connected(client: C): boolean;
}

/** send now (intended time), wait for release, or stop: the load is over for this client. */
export type Admission = number | 'wait' | 'closed';

export interface Gate<C> {
  ask(client: C): Admission;
  /** A client that ended (destroyed) leaves the queue. */
  remove(client: C): void;
  /** Ends admission; returns the parked clients, which the caller ends. */
  close(): C[];
  readonly parked: number;
  /** Requests due and not yet sent (open loop); 0 in a ramp. */
  backlog(): number;
  /**
   * From now on: `value` connections send (connections mode) or `value` requests/s (rate
   * mode); the stages ahead give way to it. Requests already due still go out (their
   * intended times stand: coordinated omission stays corrected across the change).
   */
  setTarget(value: number): void;
}

export function createGate<C>(mode: GateMode, timers: GateTimers, hooks: GateHooks<C>): Gate<C> {
  let pacer: Pacer | null = mode.kind === 'rate' ? createPacer({ stages: mode.stages, phase: mode.phase, limit: mode.limit }) : null;
  /** Connections mode: a limit set while running, replacing the stages; null until then. */
  let liveLimit: number | null = null;
  /** Connections mode with -n: requests admitted so far, against mode.limit. */
  let admitted = 0;
  const admissionLimit = mode.kind === 'connections' ? mode.limit ?? null : null;
  // Insertion-ordered sets: FIFO release, O(1) removal of a client that died while parked.
  const idleConnected = new Set<C>();
  const idleUnconnected = new Set<C>();
  let timer: unknown = null;
  let timerAt = Infinity;
  let closed = false;
  let exhaustedSignalled = false;

  const parkedCount = () => idleConnected.size + idleUnconnected.size;

  const signalExhausted = () => {
    if (exhaustedSignalled) return;
    exhaustedSignalled = true;
    // Not from inside ask(): the engine ends clients in response, one of which is asking.
    timers.set(() => hooks.exhausted(), 0);
  };

  const arm = (atMs: number) => {
    if (closed || atMs >= timerAt) return;
    if (timer !== null) timers.clear(timer);
    timerAt = atMs;
    timer = timers.set(fire, Math.max(0, atMs - timers.now()));
  };

  const takeFirst = (set: Set<C>): C | undefined => {
    for (const client of set) {
      set.delete(client);
      return client;
    }
    return undefined;
  };

  const limitAt = (tMs: number) => (mode.kind === 'connections' ? liveLimit ?? stageAt(mode.stages, tMs)?.stage.value ?? 0 : Infinity);

  /** When the connections limit next changes, or null after the last stage. */
  const nextStageStart = (tMs: number): number | null => {
    if (mode.kind !== 'connections' || liveLimit !== null) return null;
    const at = stageAt(mode.stages, tMs);
    return at === null ? null : at.startMs + at.stage.durationMs;
  };

  function fire() {
    timer = null;
    timerAt = Infinity;
    if (closed) return;
    const now = timers.now();
    if (pacer !== null) {
      while (parkedCount() > 0) {
        const intended = pacer.take(now);
        if (intended === null) break;
        // A connection that is already open first: a new one costs the server an accept
        // (and a thread, on a thread-per-connection server) that the schedule did not need.
        const client = takeFirst(idleConnected) ?? takeFirst(idleUnconnected);
        if (client !== undefined) hooks.release(client, intended);
      }
      const next = pacer.peek();
      if (next === null) signalExhausted();
      else if (parkedCount() > 0) arm(next);
      return;
    }
    const limit = limitAt(now);
    const releasable = [...idleConnected, ...idleUnconnected].filter((c) => hooks.index(c) < limit).sort((a, b) => hooks.index(a) - hooks.index(b));
    for (const client of releasable) {
      if (!admit()) break;
      idleConnected.delete(client);
      idleUnconnected.delete(client);
      hooks.release(client, now);
    }
    const next = nextStageStart(now);
    if (next !== null && parkedCount() > 0) arm(next);
  }

  /** Counts one admission against -n (connections mode); false once the amount is used up. */
  const admit = (): boolean => {
    if (admissionLimit === null) return true;
    if (admitted >= admissionLimit) {
      signalExhausted();
      return false;
    }
    admitted++;
    if (admitted >= admissionLimit) signalExhausted();
    return true;
  };

  const park = (client: C) => {
    (hooks.connected(client) ? idleConnected : idleUnconnected).add(client);
  };

  return {
    ask(client) {
      if (closed) return 'closed';
      const now = timers.now();
      if (pacer !== null) {
        const intended = pacer.take(now);
        if (intended !== null) {
          if (pacer.peek() === null) signalExhausted();
          return intended;
        }
        const next = pacer.peek();
        if (next === null) {
          signalExhausted();
          return 'closed';
        }
        park(client);
        arm(next);
        return 'wait';
      }
      if (admissionLimit !== null && admitted >= admissionLimit) return 'closed';
      if (hooks.index(client) < limitAt(now)) return admit() ? now : 'closed';
      park(client);
      const next = nextStageStart(now);
      if (next !== null) arm(next);
      return 'wait';
    },
    remove(client) {
      idleConnected.delete(client);
      idleUnconnected.delete(client);
    },
    close() {
      closed = true;
      if (timer !== null) timers.clear(timer);
      timer = null;
      const parked = [...idleConnected, ...idleUnconnected];
      idleConnected.clear();
      idleUnconnected.clear();
      return parked;
    },
    get parked() {
      return parkedCount();
    },
    backlog: () => (pacer === null ? 0 : pacer.backlog(timers.now())),
    setTarget(value) {
      if (closed) return;
      const now = timers.now();
      if (mode.kind === 'connections') {
        liveLimit = Math.max(0, Math.floor(value));
        if (timer !== null) timers.clear(timer);
        timer = null;
        timerAt = Infinity;
        // Raised: the parked clients now within the limit go at once. Lowered: clients past
        // it park at their next ask, once their request on the wire is answered.
        fire();
        return;
      }
      if (pacer === null) return;
      pacer = switchRate(pacer, now, value, mode.stages, mode.phase, mode.limit);
      if (timer !== null) timers.clear(timer);
      timer = null;
      timerAt = Infinity;
      const next = pacer.peek();
      if (next === null) signalExhausted();
      else if (parkedCount() > 0) arm(next);
    },
  };
}

/**
 * The schedule from `atMs` on at `rate`: the requests the old one had due by then go first,
 * at their own intended times; then the new rate, evenly spaced from atMs, to the end of the
 * stages and within what is left of the limit.
 */
export function switchRate(old: Pacer, atMs: number, rate: number, stages: readonly Stage[], phase: number, limit: number | null): Pacer {
  const oldDue = old.taken + old.backlog(atMs);
  const endMs = stages.reduce((sum, s) => sum + s.durationMs, 0);
  const after = createPacer({
    stages: [{ durationMs: atMs, value: 0 }, { durationMs: Math.max(0, endMs - atMs), value: rate }],
    phase,
    limit: limit === null ? null : Math.max(0, limit - oldDue),
  });
  const oldLeft = () => old.taken < oldDue;
  return {
    peek: () => (oldLeft() ? old.peek() : after.peek()),
    take: (tMs) => (oldLeft() ? old.take(tMs) : after.take(tMs)),
    backlog: (tMs) => Math.max(0, oldDue - old.taken) + after.backlog(tMs),
    get taken() {
      return old.taken + after.taken;
    },
    total: oldDue + after.total,
  };
}
