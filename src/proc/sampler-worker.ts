/**
 * Worker-thread entry of the sampler: reads /proc with synchronous calls (cheapest per
 * thread, FACTS.md) off the UI's event loop and posts one Snapshot per tick.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { createPacing, pace } from './pacing.js';
import { parsePageSize } from './parse.js';
import { createProcReader } from './reader.js';
import { createSampler } from './sampler.js';
import { encodeSnapshot } from './snapshot-wire.js';
import type { FromSampler, SamplerWorkerData, ToSampler } from './sampler-messages.js';

const data = workerData as SamplerWorkerData;
const port = parentPort;
if (port === null) throw new Error('sampler-worker must run in a worker thread');

const reader = createProcReader();
// The same formula as the main thread's session clock, so tMs lines up with every event.
const nowMs = (): number => performance.timeOrigin + performance.now() - data.sessionStartMs;

/** The page size from the first mapping of our own smaps: its first 4 kB hold it (not 150 kB). */
function pageSize(): number | undefined {
  try {
    const fd = openSync('/proc/self/smaps', 'r');
    try {
      const head = Buffer.alloc(4096);
      return parsePageSize(head.toString('utf8', 0, readSync(fd, head, 0, head.length, 0))) ?? undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined; // the sampler's default (4096)
  }
}

const sampler = createSampler({
  rootPid: data.rootPid,
  companions: data.companions,
  reader,
  nowMs,
  pageSize: pageSize(),
});

/** The interval asked for, lengthened while samples cost too much (pacing.ts). */
let pacing = createPacing(Math.max(1, data.intervalMs));

function post(message: FromSampler): void {
  port?.postMessage(message);
}

/**
 * Takes a sample and posts it, stamped with the interval the sampler runs at from now on.
 * A scheduled sample's cost feeds the pacing first (an extra one, sampleNow(), does not).
 */
function sampleAndPost(requestIds: readonly number[], scheduled: boolean): void {
  try {
    const snapshot = sampler.sample();
    if (scheduled) pacing = pace(pacing, snapshot.costMs);
    post({ type: 'snapshot', snapshot: encodeSnapshot({ ...snapshot, targetIntervalMs: pacing.intervalMs }), requestIds });
  } catch (error) {
    post({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}

port.on('message', (message: ToSampler) => {
  if (message.type === 'sample-now') sampleAndPost([message.id], false);
});

// Drift-free: tick k is due at anchor + k × interval whatever each sample cost; ticks missed
// (a blocked loop, a slow sample) are skipped, not bunched. When the pacing changes the
// interval, the tick just taken becomes the new anchor.
let anchor = performance.now();
let tick = 0;
function schedule(): void {
  const now = performance.now();
  const intervalMs = pacing.intervalMs;
  tick = Math.max(tick + 1, Math.floor((now - anchor) / intervalMs) + 1);
  setTimeout(() => {
    sampleAndPost([], true);
    if (pacing.intervalMs !== intervalMs) {
      anchor += tick * intervalMs;
      tick = 0;
    }
    schedule();
  }, anchor + tick * intervalMs - now);
}
sampleAndPost([], true);
schedule();
