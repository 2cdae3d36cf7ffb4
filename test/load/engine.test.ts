import { afterEach, describe, expect, it } from 'vitest';
import { startEngine, type InstanceCheck } from '../../src/load/engine.js';
import { PAUSE_GRACE_MS } from '../../src/load/plan.js';
import type { LoadConfig, LoadCounts } from '../../src/load/types.js';
import { delayed, dropping, silent, startServer, type Handler, type TestServer } from './servers.js';

// The engine in-process (no worker), checked against autocannon's own result for every
// instance: our event counts must match its totals, and the resets we derive must be
// exactly its `requests.sent − requests.total − errors` (FACTS.md) when nothing was abandoned.

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function load(
  handler: Handler,
  config: Partial<LoadConfig>,
  drive: (engine: ReturnType<typeof startEngine>) => Promise<void> = async () => {},
): Promise<{ totals: LoadCounts; checks: InstanceCheck[]; errors: string[] }> {
  const s = await startServer(handler);
  servers.push(s);
  const checks: InstanceCheck[] = [];
  const errors: string[] = [];
  let engine!: ReturnType<typeof startEngine>;
  const totals = new Promise<LoadCounts>((resolve) => {
    engine = startEngine(
      { url: s.url, connections: 4, requests: 60, durationS: null, timeoutS: 1, batchMs: 50, ...config },
      () => performance.now(),
      {
        onBatch() {},
        onFinished: (_tMs, t) => resolve(t),
        onError: (message) => errors.push(message),
        onInstanceResult: (check) => checks.push(check),
      },
    );
  });
  await drive(engine);
  return { totals: await totals, checks, errors };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('engine counts agree with autocannon', () => {
  it.each<[string, Handler, LoadCounts]>([
    ['all ok', delayed(5), { completed: 60, ok: 60, non2xx: 0, timeouts: 0, errors: 0, resets: 0 }],
    ['some 500s', delayed(5, (n) => (n % 2 ? 200 : 500)), { completed: 60, ok: 30, non2xx: 30, timeouts: 0, errors: 0, resets: 0 }],
    ['silent closes', dropping((n) => n % 5 === 0, 5), { completed: 48, ok: 48, non2xx: 0, timeouts: 0, errors: 0, resets: 12 }],
    ['no answer', silent, { completed: 0, ok: 0, non2xx: 0, timeouts: 60, errors: 0, resets: 0 }],
  ])('%s', async (_name, handler, expected) => {
    const connections = handler === silent ? 30 : 4; // 60 timeouts of 1 s in two rounds
    const { totals, checks, errors } = await load(handler, { connections });
    expect(errors).toEqual([]);
    expect(totals).toEqual(expected);
    expect(checks).toHaveLength(1);
    const [{ autocannon: theirs, ours }] = checks;
    expect(ours.abandoned).toBe(0);
    const { abandoned: _, ...comparable } = ours;
    expect(comparable).toEqual(theirs);
    expect(theirs.sent - theirs.completed - theirs.errorsWithTimeouts).toBe(totals.resets);
  });

  it('across paused instances, each instance agrees and the sum is exact', async () => {
    const { totals, checks, errors } = await load(delayed(10), { requests: 200 }, async (engine) => {
      for (let k = 0; k < 3; k++) {
        await sleep(80);
        engine.pause();
        await sleep(60);
        engine.resume();
      }
    });
    expect(errors).toEqual([]);
    expect(totals.completed).toBe(200);
    expect(checks.length).toBe(4);
    for (const { autocannon: theirs, ours } of checks) {
      expect(ours.sent).toBe(theirs.sent);
      expect(ours.completed).toBe(theirs.completed);
      expect(ours.abandoned).toBe(0); // a 10 ms server drains well within the grace
    }
    expect(checks.reduce((n, c) => n + c.autocannon.completed, 0)).toBe(200);
  });

  it('resume during the drain of a pause starts the next instance when the drain ends', async () => {
    const { totals, checks } = await load(delayed(100), { requests: 40 }, async (engine) => {
      await sleep(150);
      engine.pause();
      engine.resume(); // the 100 ms requests are still on the wire
    });
    expect(totals.completed).toBe(40);
    expect(checks.length).toBe(2);
  });

  it('a pause that outlasts its grace abandons what is on the wire, and resume sends it again', async () => {
    // The first 3 requests are never answered; the rest are, at once.
    const hang: Handler = (req, res, n) => (n <= 3 ? silent(req, res, n) : delayed(1)(req, res, n));
    const started = performance.now();
    const { totals, checks, errors } = await load(hang, { connections: 3, requests: 9, timeoutS: 30 }, async (engine) => {
      await sleep(100);
      engine.pause();
      await sleep(PAUSE_GRACE_MS + 300);
      engine.resume();
    });
    expect(errors).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(PAUSE_GRACE_MS);
    // Abandoned requests are ours, not the server's failures: no timeouts, no resets.
    expect(totals).toEqual({ completed: 9, ok: 9, non2xx: 0, timeouts: 0, errors: 0, resets: 0 });
    expect(checks.map((c) => [c.ours.sent, c.ours.abandoned])).toEqual([
      [3, 3],
      [9, 0],
    ]);
  });
});
