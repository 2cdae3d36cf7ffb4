import { describe, expect, it } from 'vitest';
import { evaluateGuards } from '../../src/insights/guards.js';
import { NO_GUARDS, type Guards } from '../../src/insights/guard-types.js';
import { SessionBuilder } from './build.js';

const guards = (g: Partial<Guards>): Guards => ({ ...NO_GUARDS, ...g });

/** 1 process growing 10 threads a second from t = 1 s; 100 responses a second at latencyMs, `failedPerBatch` errors each quarter second. */
function run(g: Partial<Guards>, latencyMs = 100, failedPerBatch = 0) {
  const b = new SessionBuilder({ guards: guards(g) });
  b.sample(250, [{ pid: 100, threads: 5 }]).startLoad(1_000);
  for (let t = 1_250; t <= 5_000; t += 250) {
    b.responses(t, 25, latencyMs, failedPerBatch);
    b.sample(t, [{ pid: 100, threads: 5 + Math.floor((t - 1_000) / 100) }]);
  }
  return b.finishLoad(5_000).state();
}

describe('evaluateGuards', () => {
  it('no guards given: nothing to report', () => {
    expect(evaluateGuards(run({}))).toEqual([]);
  });

  it('--max-threads: the first sample over the limit, and the worst count', () => {
    const [result] = evaluateGuards(run({ maxThreads: 20 }));
    // 5 + 15 = 20 at 2.5 s is not over; 5 + 17 = 22 at 2.75 s is.
    expect(result).toEqual({ guard: 'maxThreads', limit: 20, breached: true, value: 45, tMs: 2_750, text: 'threads 22 > 20 at 2.8 s (worst 45)' });
  });

  it('a limit that held says how close the run came', () => {
    const [result] = evaluateGuards(run({ maxThreads: 100, maxProcesses: 1 }));
    expect(result).toMatchObject({ breached: false, value: 45, tMs: null, text: 'threads at most 45 (limit 100)' });
    expect(evaluateGuards(run({ maxProcesses: 1 }))[0]).toMatchObject({ guard: 'maxProcesses', breached: false, value: 1 });
  });

  it('--max-p99: the live window\'s p99 at each sample, and the whole run\'s', () => {
    expect(evaluateGuards(run({ maxP99Ms: 50 }, 100))[0]).toMatchObject({ guard: 'maxP99Ms', breached: true, tMs: 1_250 });
    expect(evaluateGuards(run({ maxP99Ms: 150 }, 100))[0]).toMatchObject({ breached: false });
  });

  it('--max-errors N: the moment the count passed N', () => {
    // 2 failures per quarter second: 6 by 1.75 s, 8 by 2 s; the sample after a batch sees it.
    const [result] = evaluateGuards(run({ maxErrors: { count: 6 } }, 100, 2));
    expect(result).toMatchObject({ guard: 'maxErrors', limit: 6, breached: true, tMs: 2_000, value: 32 });
    expect(evaluateGuards(run({ maxErrors: { count: 0 } }, 100, 0))[0]).toMatchObject({ breached: false, value: 0 });
  });

  it('--max-errors N%: judged on the whole run\'s share', () => {
    // 2 failed of 27 settled per batch: 7.4 %.
    expect(evaluateGuards(run({ maxErrors: { percent: 5 } }, 100, 2))[0]).toMatchObject({ limit: '5%', breached: true, text: 'failed requests 7.4% > 5% at 5.0 s' });
    expect(evaluateGuards(run({ maxErrors: { percent: 10 } }, 100, 2))[0]).toMatchObject({ limit: '10%', breached: false, text: 'failed requests at most 7.4% (limit 10%)' });
  });
});
