import type { SessionState } from '../session/state.js';
import { clientView, duration, processName, tracks, waitedMs } from './evidence.js';
import type { Insight } from './types.js';

/** Fewer samples of a main thread under load than this say nothing. */
const MIN_SAMPLES = 4;
/** The share of samples away from the loop (or running) that makes a loop blocked. */
const AWAY_SHARE = 0.5;
const RUNNING_SHARE = 0.8;
/** Latency that "grew": the mean at this many times the upstream delay. */
const SLOW = 1.5;

/**
 * blocked event loop / frozen green thread: a process whose main thread runs an event loop
 * (seen waiting in epoll) spends the load somewhere else — asleep in another wait (a blocking
 * driver's poll or read, a futex), or running without pause — while the clients' latency grows.
 * psycopg2 without psycogreen on a gevent worker is the case: the hub sits in libpq's poll().
 */
export function blockedLoop(state: SessionState): Insight[] {
  const view = clientView(state);
  if (view === null || view.latency.p50 === null) return [];
  const meanMs = waitedMs(view);
  const slow = view.delayS > 0 ? meanMs >= SLOW * view.delayS * 1000 : true;
  if (!slow) return [];
  const found: Insight[] = [];
  for (const track of tracks(state)) {
    const main = track.mainUnderLoad;
    if (!track.eventLoop || track.sharedEpoll || main.samples < MIN_SAMPLES) continue;
    const away = main.samples - main.running - main.inEventLoop;
    // Away mostly beside other threads in the same wait: threads serving requests side by side
    // (uWSGI's --threads, under a load that keeps them all busy), not one loop frozen.
    if (away > 0 && main.elsewhereWithPeers >= away / 2) continue;
    const [label, times] = Object.entries(main.elsewhere).sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
    const latency = view.delayS > 0 ? `while the mean latency grew to ${duration(meanMs)} for a ${view.delayS} s delay` : `while the mean latency was ${duration(meanMs)}`;
    if (away / main.samples >= AWAY_SHARE) {
      found.push({
        kind: 'blocked-loop',
        tMs: main.firstAwayMs ?? state.load.startedAtMs ?? 0,
        pid: track.pid,
        text: `${processName(track)}: its event loop's thread waited in ${label} instead of epoll in ${times} of ${main.samples} samples under load ${latency}: a blocking call froze the loop`,
        evidence: { samples: main.samples, away, inEventLoop: main.inEventLoop, running: main.running, wait: label, meanMs: Math.round(meanMs), p50Ms: Math.round(view.latency.p50) },
      });
    } else if (main.running / main.samples >= RUNNING_SHARE) {
      found.push({
        kind: 'blocked-loop',
        tMs: main.firstAwayMs ?? state.load.startedAtMs ?? 0,
        pid: track.pid,
        text: `${processName(track)}: its event loop's thread was running in ${main.running} of ${main.samples} samples under load ${latency}: the loop was busy computing, not waiting for I/O`,
        evidence: { samples: main.samples, away, inEventLoop: main.inEventLoop, running: main.running, wait: null, meanMs: Math.round(meanMs), p50Ms: Math.round(view.latency.p50) },
      });
    }
  }
  return found;
}
