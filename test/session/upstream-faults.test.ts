import { NO_GUARDS } from '../../src/insights/guard-types.js';
import { describe, expect, it, vi } from 'vitest';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runSession, type FrontEnd, type SessionResult } from '../../src/session/run.js';
import { findModel } from '../../src/models/registry.js';
import type { SessionConfig } from '../../src/session/events.js';
import type { Store } from '../../src/session/store.js';
import { parseDelaySeconds, UPSTREAM_BODY } from '../../src/upstream/slow-api.js';
import type { StartUpstream, UpstreamOptions } from '../../src/upstream/upstream.js';
import { headerInfo, headerLines } from '../../components/Header.js';
import { lineText } from '../../components/line.js';
import { statusLine } from '../../src/report/status-line.js';
import { buildJsonReport } from '../../src/report/json.js';
import { survivors } from '../helpers/cli.js';

// Issue 8: the upstream the app calls dies or stalls in the middle of the load. The run goes
// on to its end (completed, exit 0); what the app answers then (the Node apps 502, Flask 500)
// or the time it no longer answers in (the load's timeout) is counted and shown.

/**
 * The slow API in the test's own thread, injected with SessionOptions.startUpstream, with two
 * faults on cue: stall (takes requests, never answers) and die (closes, refuses connections,
 * and says so as the real one's thread would).
 */
function faultyUpstream() {
  let mode: 'ok' | 'stall' | 'dead' = 'ok';
  let options: UpstreamOptions = {};
  const held = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (mode === 'stall') {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    const timer = setTimeout(() => res.end(UPSTREAM_BODY), (parseDelaySeconds(req.url ?? '/') ?? 0) * 1000);
    res.on('close', () => clearTimeout(timer));
  });
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  const start: StartUpstream = async (given = {}) => {
    options = given;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/`,
      async stop() {
        server.close();
        server.closeAllConnections();
        await closed;
      },
    };
  };
  return {
    start,
    stall: () => void (mode = 'stall'),
    die(message: string) {
      mode = 'dead';
      server.close();
      server.closeAllConnections();
      options.onFailed?.(message);
    },
  };
}

const config: SessionConfig = {
  model: 'single', workers: null, threads: null, connections: 5, requests: null, durationS: 4, delayS: 0.05, intervalMs: 250,
  keepAlive: true, rate: null, ramp: null, loadWorkers: 1, cores: 2, guards: NO_GUARDS,
};

/** Runs the model headless; `fault` is called 1 s into the load. */
async function runWithFault(modelName: string, fault: (upstream: ReturnType<typeof faultyUpstream>) => void, requestTimeoutS = 1): Promise<{ result: SessionResult; faultAtMs: number }> {
  const upstream = faultyUpstream();
  let store: Store | null = null;
  const frontEnd: FrontEnd = { start: (s) => void (store = s), async stop() {} };
  const running = runSession(
    { config: { ...config, model: modelName }, model: findModel(modelName)!, port: null, host: '127.0.0.1', requestTimeoutS, readyTimeoutMs: 15_000, holdAfterLoad: false, publishMs: 100, startUpstream: upstream.start },
    frontEnd,
  );
  await vi.waitFor(() => expect(store?.getState().load.startedAtMs).not.toBeNull(), { timeout: 15_000, interval: 20 });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const faultAtMs = store!.getState().nowMs;
  fault(upstream);
  const result = await running;
  expect(await survivors([result.state.server!.pid])).toEqual([]);
  return { result, faultAtMs };
}

/** Responses per whole second of load after the fault: the load went on. */
const after = (result: SessionResult, faultAtMs: number) => result.state.load.rpsPerSecond.slice(Math.ceil((faultAtMs - result.state.load.startedAtMs!) / 1000));

describe('the upstream fails under load', () => {
  it('dies (Node app): the run completes, exit 0; the 502s are counted, in the header and the report; the failure is told', async () => {
    const { result, faultAtMs } = await runWithFault('single', (u) => u.die('its thread threw: injected'));
    expect(result).toMatchObject({ reason: 'completed', exitCode: 0, error: null });
    const { counts } = result.state.load;
    expect(counts.ok).toBeGreaterThan(10);
    expect(counts.non2xx).toBeGreaterThan(10);
    expect(counts.timeouts + counts.errors + counts.resets).toBe(0);
    expect(Math.min(...after(result, faultAtMs).slice(0, 2))).toBeGreaterThan(0);
    expect(result.state.upstreamFailure).toEqual({ tMs: expect.any(Number), message: 'its thread threw: injected' });
    expect(result.state.upstreamFailure!.tMs).toBeGreaterThanOrEqual(faultAtMs);
    // What the TUI's header and the headless line say.
    const header = headerLines(headerInfo(result.state), 120, 4).map(lineText).join('\n');
    expect(header).toContain('non-2xx');
    expect(header).toContain(counts.non2xx.toLocaleString('en-US'));
    expect(statusLine(result.state)).toContain(`${counts.non2xx} non-2xx`);
    const report = buildJsonReport(result.state, result);
    expect(report.load.non2xx).toBe(counts.non2xx);
    expect(report.upstream?.failure?.message).toBe('its thread threw: injected');
    expect(report.ended).toBe('completed');
  }, 30_000);

  it('stalls (Node app): the run completes, exit 0; the requests time out and are counted', async () => {
    const { result } = await runWithFault('single', (u) => u.stall());
    expect(result).toMatchObject({ reason: 'completed', exitCode: 0, error: null });
    const { counts } = result.state.load;
    expect(counts.ok).toBeGreaterThan(10);
    expect(counts.timeouts).toBeGreaterThanOrEqual(5);
    expect(result.state.upstreamFailure).toBeNull(); // a stall is not a failure the upstream knows of
    expect(headerLines(headerInfo(result.state), 120, 4).map(lineText).join('\n')).toMatch(/timeouts? /);
  }, 30_000);

  it('dies (Flask app): the app answers 500, counted as non-2xx; the run completes', async () => {
    const { result, faultAtMs } = await runWithFault('flask-threaded', (u) => u.die('its thread exited (code 1)'));
    expect(result).toMatchObject({ reason: 'completed', exitCode: 0, error: null });
    const { counts } = result.state.load;
    expect(counts.non2xx).toBeGreaterThan(10);
    expect(Math.min(...after(result, faultAtMs).slice(0, 2))).toBeGreaterThan(0);
  }, 30_000);
});
