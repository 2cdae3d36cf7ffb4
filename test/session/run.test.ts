import { NO_GUARDS } from '../../src/insights/guard-types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSession, type FrontEnd } from '../../src/session/run.js';
import type { ModelSpec } from '../../src/models/registry.js';
import type { SessionConfig } from '../../src/session/events.js';
import { RuntimeError } from '../../src/util/errors.js';
import { survivors } from '../helpers/cli.js';

// The runner against real processes that misbehave: one that dies before it is ready, one
// that dies in the middle of the load. Each must end the run with exit 1, the server's last
// lines, and nothing left running.

const config: SessionConfig = { model: 'test', workers: null, threads: null, connections: 5, requests: null, durationS: 20, delayS: 0.05, intervalMs: 100, keepAlive: true, rate: null, ramp: null, loadWorkers: 1, cores: 2, guards: NO_GUARDS };
const quiet: FrontEnd = { start() {}, async stop() {} };
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function scriptModel(source: string): ModelSpec {
  const dir = mkdtempSync(join(tmpdir(), 'watchload-test-'));
  dirs.push(dir);
  const script = join(dir, 'server.cjs');
  writeFileSync(script, source);
  return {
    name: 'test',
    family: 'custom',
    summary: 'a test server',
    expectedShape: '',
    defaults: { workers: null, threads: null },
    path: '/',
    launch: ({ port }) => ({ argv: [process.execPath, script], env: { PORT: String(port) }, cwd: dir, stopSignal: 'SIGTERM' }),
  };
}

const options = (model: ModelSpec) => ({ config, model, port: null, host: '127.0.0.1', requestTimeoutS: 5, readyTimeoutMs: 10_000, holdAfterLoad: false, publishMs: 100 });

describe('runSession with a server that fails', () => {
  it('one that exits before it is ready: exit 1 with its last lines', async () => {
    const model = scriptModel(`console.error('cannot open the database'); process.exit(3);`);
    const result = await runSession(options(model), quiet);
    expect(result.exitCode).toBe(1);
    expect(result.error).toBeInstanceOf(RuntimeError);
    expect(result.error?.message).toBe('the server exited before it was ready (exit code 3)');
    expect((result.error as RuntimeError).details).toEqual(['cannot open the database']);
    expect(result.state.load.startedAtMs).toBeNull();
  });

  it('one that never answers: a timeout naming the readiness URL', async () => {
    const model = scriptModel(`setInterval(() => {}, 1000);`);
    const result = await runSession({ ...options(model), readyTimeoutMs: 1_000 }, quiet);
    expect(result.exitCode).toBe(1);
    expect(result.error?.message).toMatch(/^the server was not ready after 1 s: GET http:\/\/127\.0\.0\.1:\d+\/\?delay=0 \(last: ECONNREFUSED\)$/);
    expect(await survivors([result.state.server!.pid])).toEqual([]);
  });

  it('one that dies under load: the run ends, exit 1, what was measured is kept', async () => {
    const model = scriptModel(`
      const http = require('node:http');
      let served = 0;
      http.createServer((req, res) => {
        if (++served === 60) { console.error('worker crashed after ' + served + ' requests'); process.exit(7); }
        setTimeout(() => res.end('ok'), 20);
      }).listen(Number(process.env.PORT), '127.0.0.1');
    `);
    const result = await runSession(options(model), quiet);
    expect(result.reason).toBe('server-exited');
    expect(result.exitCode).toBe(1);
    expect(result.error?.message).toBe('the server exited during the run (exit code 7)');
    expect((result.error as RuntimeError).details).toContain('worker crashed after 60 requests');
    expect(result.state.load.counts.ok).toBeGreaterThanOrEqual(50);
    expect(result.state.shape.before).toEqual({ processes: 1, threads: expect.any(Number) });
    expect(result.state.server?.exited).toMatchObject({ code: 7, expected: false });
  });
});

describe('runSession: the load changed from the live view', () => {
  const server = `
    const http = require('node:http');
    http.createServer((req, res) => setTimeout(() => res.end('ok'), 100)).listen(Number(process.env.PORT), '127.0.0.1');
  `;

  it('adjustLoad adds connections at once: marked in the state, throughput follows, clamped to the ceiling', async () => {
    const model = scriptModel(server);
    let controls: Parameters<FrontEnd['start']>[1] | null = null;
    let store: Parameters<FrontEnd['start']>[0] | null = null;
    const frontEnd: FrontEnd = { start: (s, c) => void ((store = s), (controls = c)), async stop() {} };
    const running = runSession({ ...options(model), config: { ...config, connections: 2, durationS: 3 }, holdAfterLoad: true }, frontEnd);
    // 1.2 s into the load: its first whole second ran at 2 connections.
    await vi.waitFor(() => expect(store?.getState().load.startedAtMs).not.toBeNull(), { timeout: 10_000, interval: 20 });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    controls!.adjustLoad({ connections: +6 });
    controls!.adjustLoad({ connections: +1_000_000 });
    controls!.adjustLoad({ rate: +50 }); // a closed loop has no rate: ignored
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    controls!.quit();
    const result = await running;
    const adjustments = result.state.load.adjustments;
    // 2 → 8, then the ceiling: 4 × 2 is below 2 + 100, so 102.
    expect(adjustments.map((a) => a.connections)).toEqual([8, 102]);
    expect(adjustments.every((a) => a.rate === null)).toBe(true);
    const perSecond = result.state.load.rpsPerSecond;
    expect(perSecond[0]).toBeLessThan(25);
    expect(Math.max(...perSecond.slice(1))).toBeGreaterThan(60);
    expect(result.state.timeline.some((p) => p.target === 102)).toBe(true);
  });

  it('a headless run is never adjustable', async () => {
    const model = scriptModel(server);
    let controls: Parameters<FrontEnd['start']>[1] | null = null;
    const frontEnd: FrontEnd = { start: (_store, c) => void (controls = c), async stop() {} };
    const running = runSession({ ...options(model), config: { ...config, connections: 2, durationS: 1.5 } }, frontEnd);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    controls!.adjustLoad({ connections: +6 });
    const result = await running;
    expect(result.state.load.adjustments).toEqual([]);
  });
});
