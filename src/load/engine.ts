import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import { createGate, type Gate } from './gate.js';
import type { GeneratorProbe } from './generator.js';
import { createRecorder } from './hdr.js';
import { countsFromTally, subtractCounts, settledCount, ZERO_COUNTS, ZERO_TALLY, type Tally } from './counts.js';
import { isOpenLoop, PAUSE_GRACE_MS, planNextRun, STOP_GRACE_MS, type RunPlan } from './plan.js';
import type { LatencyBatch, LoadConfig, LoadCounts, LoadSetting } from './types.js';

/**
 * Runs a closed-loop load with autocannon and reports it in batches. It runs in the load
 * worker thread (load-worker.ts) and knows nothing of threads: tests also run it in-process.
 *
 * Pause and resume. autocannon has no pause, so a load is a chain of autocannon instances:
 * pause drains the running instance (no new requests; those on the wire may complete and
 * count), resume starts a new instance with what is left (plan.ts: requests − settled, or
 * the duration minus the time spent sending). The totals sum all instances.
 *
 * Draining. Ending an instance the autocannon way (`stop()`, or its own `duration` timer)
 * destroys every client at the next sample tick and drops the requests on the wire
 * unanswered (lib/run.js tickInterval). That would hide exactly the slowest requests at
 * the end of a duration run, and would make them look like resets. Instead we lower each
 * client's `responseMax` to what it has sent, so that lib/httpClient.js destroys it right
 * after its last request settles (response, error or timeout). Only if that outlasts a
 * grace period do we destroy the remaining clients ourselves and count their requests as
 * `abandoned` (not a server failure; resent on resume).
 *
 * Open loop and ramps. autocannon's own rate limiter sends each second's quota in a burst and
 * corrects coordinated omission with a 1 ms interval whatever the rate (FACTS.md), so we pace
 * ourselves: every client asks a gate (gate.ts) before each request, and waits, parked and
 * without a request on the wire, until the schedule (or the ramp's stage) lets it send. The
 * same autocannon client, parser and accounting serve both loops, so their figures compare.
 * A parked client that never sent does not connect until released: on a
 * thread-per-connection server an idle connection would cost a thread the load never used.
 */

/**
 * autocannon notices that all clients are done only at its next sample tick (lib/run.js
 * tickInterval; default 1 s). Ours are short so an instance ends promptly; its per-sample
 * req/s histogram, which we do not use, gets finer samples.
 */
const SAMPLE_INTERVAL_MS = 100;

export interface EngineCallbacks {
  /** Called once, when the first requests are about to go out (autocannon takes ~0.2 s to load). */
  onStarted?(tMs: number): void;
  onBatch(tMs: number, batch: LatencyBatch): void;
  /** Called exactly once, when the load has ended for any reason, with the totals of all batches. */
  onFinished(tMs: number, totals: LoadCounts): void;
  onError(message: string): void;
  /** For tests: autocannon's own figures for each instance, beside ours for the same instance. */
  onInstanceResult?(check: InstanceCheck): void;
}

export interface EngineOptions {
  /** Samples the generator's own CPU and event-loop delay for each batch (generator.ts). */
  readonly probe?: GeneratorProbe;
  /** Tagged on each batch, with --load-workers. */
  readonly worker?: number;
}

export interface InstanceCheck {
  readonly autocannon: { readonly sent: number; readonly completed: number; readonly errorsWithTimeouts: number; readonly timeouts: number; readonly non2xx: number; readonly ok: number };
  readonly ours: { readonly sent: number; readonly completed: number; readonly errorsWithTimeouts: number; readonly timeouts: number; readonly non2xx: number; readonly ok: number; readonly abandoned: number };
}

export interface LoadEngine {
  pause(): void;
  resume(): void;
  /** Ends the load early; onFinished follows once the drain is over (at most STOP_GRACE_MS). */
  stop(): void;
  /**
   * Changes the load from now on (config.adjustable): the connections that send in a closed
   * loop, or the rate of an open loop; also for the instances after a pause. Ignored for a
   * ramp, and for what the load is not (a rate for a closed loop).
   */
  adjust(setting: LoadSetting): void;
}

/** The parts of autocannon's Client (lib/httpClient.js) we use beyond its typed events. */
interface CannonClient extends EventEmitter {
  reqsMade: number;
  timeoutTicker: { reschedule(ms: number): void };
  pipelinedRequests: { size(): number };
  responseMax: number | undefined;
  destroyed: boolean;
  conn: unknown;
  _connect(): void;
  _doRequest(): void;
  _destroyConnection(): void;
  destroy(): void;
}

/** setTimeout's largest delay: a parked client's request timer, pushed out of the way. */
const IDLE_TIMER_MS = 2 ** 31 - 1;

/** Whether the client's connection has a request waiting for its answer (pipelining 1: 0 or 1). */
function hasRequestOnWire(client: CannonClient): boolean {
  return client.pipelinedRequests.size() > 0;
}

/** What the engine keeps per client of a gated instance. */
interface GatedClient {
  readonly index: number;
  /** The intended send time the gate admitted the client's next request at; null: must ask. */
  ticket: number | null;
  /** Intended time of the request on the wire (open loop: what corrected latency counts from). */
  intendedMs: number;
  parked: boolean;
  /** Parked without a connection: the release connects first. */
  needsConnect: boolean;
}

interface Instance {
  tracker: autocannon.Instance | null;
  readonly clients: Set<CannonClient>;
  readonly gate: Gate<CannonClient> | null;
  readonly gated: Map<CannonClient, GatedClient>;
  /** performance.now() at launch: the gate's clock counts from it. */
  readonly originMs: number;
  /** Connections this instance may use. */
  readonly connections: number;
  readonly tallyAtStart: Tally;
  deadlineTimer: NodeJS.Timeout | null;
  graceTimer: NodeJS.Timeout | null;
  graceEndsAt: number;
  /** performance.now() when sending started; null once sending stopped (drain begun). */
  sendingSince: number | null;
}

type Phase = 'running' | 'draining' | 'paused' | 'finished';

/** autocannon.js exports aggregateResult; @types/autocannon 7 does not declare it. */
const aggregateResult = (autocannon as unknown as {
  aggregateResult(results: unknown[], options: autocannon.Options): autocannon.Result & { requests: { total: number } };
}).aggregateResult;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function startEngine(config: LoadConfig, clockMs: () => number, callbacks: EngineCallbacks, options: EngineOptions = {}): LoadEngine {
  let announcedStart = false;
  const openLoop = isOpenLoop(config);
  /** The config with the adjustments made so far: what the next instance is planned from. */
  let live: LoadConfig = config;
  /** Closed loop: from the send. Open loop: from the intended send time. */
  const recorder = createRecorder();
  const uncorrected = openLoop ? createRecorder() : null;
  const sendLag = openLoop ? createRecorder() : null;
  let sentPosted = 0;
  let lastResponseMs: number | null = null;
  const tally: Mutable<Tally> = { ...ZERO_TALLY };
  let resets = 0;
  let posted: LoadCounts = ZERO_COUNTS;
  let activeMs = 0;
  let phase: Phase = 'running';
  /** What to do when the current drain is over. */
  let afterDrain: 'pause' | 'finish' = 'finish';
  let resumeRequested = false;
  let instance: Instance | null = null;

  const report = (what: string, error: unknown) =>
    callbacks.onError(`${what}: ${error instanceof Error ? error.message : String(error)}`);

  const currentCounts = (): LoadCounts => {
    const counts = countsFromTally(tally, resets);
    resets = counts.resets;
    return counts;
  };

  const generatorSample = () => {
    if (!options.probe) return undefined;
    const current = instance;
    return options.probe.sample({
      busy: Math.max(0, tally.outstanding),
      connections: current?.connections ?? 0,
      backlog: current?.gate?.backlog() ?? 0,
    });
  };

  const postBatch = () => {
    const counts = currentCounts();
    const batch: LatencyBatch = {
      histogram: recorder.drain(),
      ...(uncorrected && sendLag ? { uncorrected: uncorrected.drain(), sendLag: sendLag.drain() } : {}),
      sent: tally.sent - sentPosted,
      ...(lastResponseMs !== null ? { lastResponseMs } : {}),
      counts: subtractCounts(counts, posted),
      ...(options.probe ? { generator: generatorSample() } : {}),
      ...(options.worker !== undefined ? { worker: options.worker } : {}),
    };
    posted = counts;
    sentPosted = tally.sent;
    lastResponseMs = null;
    callbacks.onBatch(clockMs(), batch);
  };

  const batchTimer = setInterval(() => {
    try {
      postBatch();
    } catch (error) {
      report('load batch', error);
    }
  }, config.batchMs);

  const finish = () => {
    if (phase === 'finished') return;
    phase = 'finished';
    clearInterval(batchTimer);
    try {
      postBatch();
      callbacks.onFinished(clockMs(), posted);
    } catch (error) {
      report('load finish', error);
    }
  };

  const attachClient = (current: Instance, client: CannonClient) => {
    const { clients, gate, gated } = current;
    clients.add(client);
    tally.outstanding++;
    const state: GatedClient | null = gate === null ? null : { index: gated.size, ticket: null, intendedMs: 0, parked: false, needsConnect: false };
    if (state !== null) gated.set(client, state);
    const gateNow = () => performance.now() - current.originMs;

    // A parked client has no request on the wire: it leaves `outstanding`, and what happens to
    // its idle connection (the server closes it, an idle timeout) is no request's fate.
    const park = (gatedState: GatedClient) => {
      gatedState.parked = true;
      tally.outstanding--;
      // autocannon's per-request timer runs from the last send; idle, nothing can time out.
      // The next send reschedules it (lib/httpClient.js _doRequest). retimer's reschedule to
      // a later time only notes it, so this costs no timer.
      client.timeoutTicker.reschedule(IDLE_TIMER_MS);
    };
    const unpark = (gatedState: GatedClient) => {
      gatedState.parked = false;
      tally.outstanding++;
    };

    // A reconnect after the server closed the connection (`end`) or failed it (`error`)
    // leaves the old socket's listeners and its unanswered request in the pipelined queue
    // (lib/httpClient.js only clears both on timeout). The next response would then be
    // matched to that stale request and its latency measured from the stale send, and a
    // later `error` on the old socket would start a second connection. A new connection
    // never answers requests written on the old one, so drop the old one entirely first.
    const connect = client._connect;
    client._connect = function reconnectCleanly(this: CannonClient) {
      if (this.conn) this._destroyConnection();
      if (state !== null && state.ticket === null) {
        // Gated and not admitted (autocannon's constructor, a request that got no answer, or
        // the server closing an idle connection): connect only once the gate lets it send.
        this.conn = null;
        if (!state.parked && askGate(this, state)) connect.call(this);
        else state.needsConnect = true;
        return;
      }
      if (state !== null) state.needsConnect = false;
      connect.call(this);
    };
    // A parked client has no connection at times (never connected, or its idle one closed).
    const destroyConnection = client._destroyConnection;
    client._destroyConnection = function destroyIfConnected(this: CannonClient) {
      if (this.conn) destroyConnection.call(this);
    };

    // A server that closes the connection after each response (Werkzeug, uWSGI's
    // --http-socket: `Connection: close`, or HTTP/1.0 without keep-alive) would get the next
    // request written on a socket it is closing, and lose it: every other request would read
    // as a reset. ab and wrk open a new connection then; so does this, before the next send.
    // llhttp's headers-complete info says whether the connection stays open (shouldKeepAlive).
    let serverCloses = false;
    const keepAlive = config.keepAlive ?? true;
    client.on('headers', (info: { shouldKeepAlive?: boolean }) => {
      serverCloses = info.shouldKeepAlive === false || !keepAlive;
    });
    const doRequest = client._doRequest;
    client._doRequest = function sendOnOpenConnection(this: CannonClient) {
      if (state !== null && state.ticket === null && !askGate(this, state)) return;
      if (serverCloses && !this.destroyed) {
        serverCloses = false;
        this._connect(); // reconnectCleanly: drops the closing socket, then sends on the new one
        return;
      }
      doRequest.call(this);
    };

    /** Asks the gate for the next request; true when the client may send now (ticket set). */
    function askGate(self: CannonClient, gatedState: GatedClient): boolean {
      if (self.destroyed || gate === null) return false;
      const admission = gate.ask(self);
      if (admission === 'closed') {
        if (gatedState.parked) unpark(gatedState); // `done` takes it off the wire once more
        self.destroy();
        return false;
      }
      if (admission === 'wait') {
        if (!gatedState.parked) park(gatedState);
        return false;
      }
      gatedState.ticket = admission;
      return true;
    }

    client.on('request', () => {
      tally.sent++;
      if (state !== null) {
        state.intendedMs = state.ticket ?? gateNow();
        state.ticket = null;
        sendLag?.record(gateNow() - state.intendedMs);
      }
    });
    client.on('response', (statusCode: number, _bytes: number, responseTimeMs: number) => {
      tally.completed++;
      lastResponseMs = clockMs();
      if (statusCode >= 200 && statusCode < 300) tally.ok++;
      else tally.non2xx++;
      if (openLoop && state !== null) {
        recorder.record(gateNow() - state.intendedMs);
        uncorrected?.record(responseTimeMs);
      } else {
        recorder.record(responseTimeMs);
      }
    });
    client.on('connError', () => {
      // Emitted before the reconnect: the failed request is still in the queue. An idle
      // connection failing (a parked client's) fails no request.
      if (hasRequestOnWire(client)) tally.errors++;
    });
    client.on('timeout', () => {
      tally.timeouts++;
    });
    client.on('done', () => {
      // Emitted by destroy(): either its last request settled, or we abandoned it (counted first).
      if (!clients.delete(client)) return;
      if (state?.parked) {
        gate?.remove(client);
        state.parked = false;
      } else {
        tally.outstanding--;
      }
    });
  };

  /** The gate lets a parked client send: it connects if it has no connection, and sends. */
  const releaseClient = (current: Instance, client: CannonClient, intendedMs: number) => {
    const state = current.gated.get(client);
    if (state === undefined || client.destroyed) return;
    state.parked = false;
    tally.outstanding++;
    state.ticket = intendedMs;
    if (state.needsConnect) client._connect();
    else client._doRequest();
  };

  const launch = (plan: RunPlan) => {
    const tallyAtStart = { ...tally };
    // A time-bounded instance is ended by our deadline (then drained); autocannon's own
    // duration is only a backstop well after that, so every instance is bounded in time.
    const backstopS =
      plan.remainingMs === null ? undefined : (plan.remainingMs + config.timeoutS * 1000 + STOP_GRACE_MS + 5_000) / 1000;
    const originMs = performance.now();
    // The first requests go out while autocannon builds its clients (up to ~0.2 s for 1,000):
    // the load starts now, not when autocannon() returns.
    const launchedAtMs = clockMs();
    const gated = new Map<CannonClient, GatedClient>();
    const gate =
      plan.gate === null
        ? null
        : createGate<CannonClient>(
            plan.gate,
            { now: () => performance.now() - originMs, set: (fn, ms) => setTimeout(fn, ms), clear: (handle) => clearTimeout(handle as NodeJS.Timeout) },
            {
              release: (client, intendedMs) => releaseClient(current, client, intendedMs),
              exhausted: () => {
                if (instance === current && phase === 'running') drain('finish', config.timeoutS * 1000 + STOP_GRACE_MS);
              },
              index: (client) => gated.get(client)?.index ?? Infinity,
              connected: (client) => Boolean(client.conn),
            },
          );
    const current: Instance = {
      tracker: null,
      clients: new Set<CannonClient>(),
      gate,
      gated,
      originMs,
      connections: plan.connections,
      tallyAtStart,
      deadlineTimer: null,
      graceTimer: null,
      graceEndsAt: Infinity,
      sendingSince: originMs,
    };
    const options: autocannon.Options = {
      url: config.url,
      connections: plan.connections,
      pipelining: 1,
      timeout: config.timeoutS,
      sampleInt: SAMPLE_INTERVAL_MS,
      // Raw results in every thread (lib/run.js aggregates only on the main thread);
      // we aggregate ourselves with autocannon.aggregateResult.
      skipAggregateResult: true,
      setupClient: (client) => attachClient(current, client as unknown as CannonClient),
      // A gated load counts its own requests (the schedule's limit); autocannon's amount
      // would end clients by what each sent, not by what the schedule still has.
      ...(plan.amount !== null && gate === null ? { amount: plan.amount } : {}),
      ...(backstopS !== undefined ? { duration: backstopS } : {}),
    };
    instance = current;
    phase = 'running';
    try {
      // Invalid options reach the callback synchronously (lib/init.js _cb), hence `current` first.
      current.tracker = autocannon(options, (error: unknown, raw: unknown) => onInstanceEnd(current, options, error, raw));
    } catch (error) {
      if (instance === current) instance = null;
      report('autocannon', error);
      finish();
      return;
    }
    current.tracker.on('error', (error: unknown) => report('autocannon', error));
    if (!announcedStart) {
      announcedStart = true;
      callbacks.onStarted?.(launchedAtMs);
    }
    if (phase !== 'running' || instance !== current) return; // ended synchronously
    if (plan.remainingMs !== null) {
      // Drain at the deadline; autocannon's timeout bounds how long each request on the
      // wire can still take, so the grace only guards against the unforeseen.
      current.deadlineTimer = setTimeout(() => drain('finish', config.timeoutS * 1000 + STOP_GRACE_MS), plan.remainingMs);
    }
  };

  const stopSending = (current: Instance) => {
    if (current.deadlineTimer) clearTimeout(current.deadlineTimer);
    current.deadlineTimer = null;
    if (current.sendingSince !== null) {
      activeMs += performance.now() - current.sendingSince;
      current.sendingSince = null;
    }
  };

  const abandonRemaining = (current: Instance) => {
    current.graceTimer = null;
    for (const client of [...current.clients]) {
      // Counted before destroy(): its `done` then takes it off the wire.
      tally.abandoned++;
      client.destroy();
    }
    // With every client done lib/run.js ends the instance at its next sample tick; stop()
    // makes sure of it.
    current.tracker?.stop();
  };

  const scheduleGrace = (current: Instance, graceMs: number) => {
    const endsAt = performance.now() + graceMs;
    if (endsAt >= current.graceEndsAt) return;
    if (current.graceTimer) clearTimeout(current.graceTimer);
    current.graceEndsAt = endsAt;
    current.graceTimer = setTimeout(() => abandonRemaining(current), graceMs);
  };

  const drain = (after: 'pause' | 'finish', graceMs: number) => {
    const current = instance;
    if (current === null) return;
    phase = 'draining';
    afterDrain = after;
    stopSending(current);
    for (const client of current.clients) {
      // lib/httpClient.js _doRequest: `if (responseMax && reqsMade >= responseMax) destroy()`,
      // run after each response, reconnect and timeout: no new request after this one.
      client.responseMax = client.reqsMade;
    }
    // Gated clients ask before each request and get `closed` from now on; the parked ones
    // have nothing on the wire and end now.
    for (const client of current.gate?.close() ?? []) client.destroy();
    scheduleGrace(current, graceMs);
  };

  const startNextOrFinish = () => {
    const plan = planNextRun(live, { settled: settledCount(currentCounts()), activeMs });
    if (plan === null) finish();
    else launch(plan);
  };

  const onInstanceEnd = (current: Instance, options: autocannon.Options, error: unknown, raw: unknown) => {
    stopSending(current);
    if (current.graceTimer) clearTimeout(current.graceTimer);
    current.graceTimer = null;
    if (instance === current) instance = null;
    if (error) {
      report('autocannon', error);
      finish();
      return;
    }
    try {
      checkAgainstAutocannon(current, options, raw);
    } catch (checkError) {
      report('autocannon result', checkError);
    }
    if (phase === 'draining' && afterDrain === 'pause') {
      // Nothing left (the last requests settled during the drain): the load is over.
      if (planNextRun(live, { settled: settledCount(currentCounts()), activeMs }) === null) {
        finish();
      } else if (resumeRequested) {
        resumeRequested = false;
        startNextOrFinish();
      } else {
        phase = 'paused';
      }
      return;
    }
    // A natural end (amount reached), a drain before finishing, or autocannon's backstop.
    finish();
  };

  const checkAgainstAutocannon = (current: Instance, options: autocannon.Options, raw: unknown) => {
    if (!callbacks.onInstanceResult) return;
    // In a worker thread autocannon hands back its raw result (FACTS.md); so do we, via
    // skipAggregateResult, everywhere.
    const r = aggregateResult([raw], options);
    const start = current.tallyAtStart;
    callbacks.onInstanceResult({
      autocannon: {
        sent: r.requests.sent,
        completed: r.requests.total,
        errorsWithTimeouts: r.errors,
        timeouts: r.timeouts,
        non2xx: r.non2xx,
        ok: r['2xx'],
      },
      ours: {
        sent: tally.sent - start.sent,
        completed: tally.completed - start.completed,
        // autocannon counts a timeout as an error too (lib/run.js onTimeout).
        errorsWithTimeouts: tally.errors - start.errors + tally.timeouts - start.timeouts,
        timeouts: tally.timeouts - start.timeouts,
        non2xx: tally.non2xx - start.non2xx,
        ok: tally.ok - start.ok,
        abandoned: tally.abandoned - start.abandoned,
      },
    });
  };

  startNextOrFinish();

  return {
    pause() {
      if (phase === 'running') drain('pause', PAUSE_GRACE_MS);
      else if (phase === 'draining' && afterDrain === 'pause') resumeRequested = false;
    },
    resume() {
      if (phase === 'paused') startNextOrFinish();
      else if (phase === 'draining' && afterDrain === 'pause') resumeRequested = true;
    },
    adjust(setting) {
      if ((live.ramp ?? null) !== null || (live.adjustable ?? null) === null) return;
      if ('connections' in setting) {
        if (openLoop) return;
        live = { ...live, connections: Math.max(1, Math.floor(setting.connections)) };
        if (phase === 'running') instance?.gate?.setTarget(live.connections);
      } else {
        if (!openLoop || !(setting.rate > 0)) return;
        live = { ...live, rate: setting.rate };
        if (phase === 'running') instance?.gate?.setTarget(setting.rate);
      }
    },
    stop() {
      if (phase === 'running') {
        drain('finish', STOP_GRACE_MS);
      } else if (phase === 'draining' && instance !== null) {
        afterDrain = 'finish';
        resumeRequested = false;
        scheduleGrace(instance, STOP_GRACE_MS);
      } else if (phase === 'paused') {
        finish();
      }
    },
  };
}
