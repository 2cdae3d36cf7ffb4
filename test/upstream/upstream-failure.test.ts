import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startUpstream, watchUpstreamWorker } from '../../src/upstream/upstream.js';

// Issue 8: the upstream's worker thread failing must never crash watchload; it is told once,
// and only when nobody asked it to stop.

describe('watchUpstreamWorker', () => {
  it('an uncaught exception in the thread: told once (the exit that follows is the same failure)', () => {
    const worker = new EventEmitter();
    const told: string[] = [];
    watchUpstreamWorker(worker, () => false, (m) => told.push(m));
    // Without a listener, emitting 'error' would throw here, in watchload's own thread.
    expect(() => worker.emit('error', new Error('boom'))).not.toThrow();
    worker.emit('exit', 1);
    expect(told).toEqual(['its thread threw: boom']);
  });

  it('an exit not asked for, and a failure its server reports', () => {
    const exits = new EventEmitter();
    const told: string[] = [];
    watchUpstreamWorker(exits, () => false, (m) => told.push(m));
    exits.emit('exit', 0);
    const failing = new EventEmitter();
    watchUpstreamWorker(failing, () => false, (m) => told.push(m));
    failing.emit('message', { type: 'error', message: 'EMFILE' });
    expect(told).toEqual(['its thread exited (code 0)', 'its server failed: EMFILE']);
  });

  it('nothing once it is being stopped, and no listener needed to survive an error', () => {
    const worker = new EventEmitter();
    const told: string[] = [];
    watchUpstreamWorker(worker, () => true, (m) => told.push(m));
    worker.emit('exit', 1);
    expect(told).toEqual([]);
    const unwatched = new EventEmitter();
    watchUpstreamWorker(unwatched, () => false);
    expect(() => unwatched.emit('error', new Error('boom'))).not.toThrow();
  });

  it('the real upstream, stopped: no failure told; stopped twice: no hang', async () => {
    const told: string[] = [];
    const upstream = await startUpstream({ onFailed: (m) => told.push(m) });
    expect((await fetch(`${upstream.url}?delay=0`)).status).toBe(200);
    await upstream.stop();
    await upstream.stop();
    expect(told).toEqual([]);
  });
});
