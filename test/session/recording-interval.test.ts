import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/proc/types.js';
import type { SessionEvent } from '../../src/session/events.js';
import { EventDecoder, EventEncoder } from '../../src/session/recording-format.js';

// Issue 8: a snapshot says the interval the sampler runs at (targetIntervalMs), longer while it
// backs off. Recordings keep it, as an optional field: those made before it read as before.

const sample = (tMs: number, targetIntervalMs?: number): SessionEvent => {
  const snapshot: Snapshot = {
    tMs,
    intervalMs: 100,
    costMs: 60,
    processes: [{ pid: 10, ppid: 1, name: 'python3', cmdline: ['python3'], rssBytes: 4096, cpuPercent: 0, threads: [{ tid: 10, name: 'python3', state: 'S', cpuPercent: 0, ranMs: 0, lastCpu: 0, wchan: '', waitLabel: '', role: '' }] }],
  };
  return { type: 'proc/sample', tMs, snapshot: targetIntervalMs === undefined ? snapshot : { ...snapshot, targetIntervalMs } };
};

describe('recordings and the sampler\u2019s interval', () => {
  it('keeps targetIntervalMs in keyframes and deltas, and leaves it out when a snapshot has none', () => {
    const events = [sample(100, 100), sample(200, 400), sample(600), sample(1_000, 400)];
    const encoder = new EventEncoder();
    const lines = events.map((e) => encoder.encode(e));
    expect(lines[0]).toContain('"key":');
    expect(lines[1]).toContain('"delta":');
    expect(lines[2]).not.toContain('targetIntervalMs');
    const decoder = new EventDecoder();
    expect(lines.map((line, k) => decoder.decode(JSON.parse(line), k + 2))).toStrictEqual(events);
  });

  it('reads a sample line written before the field existed', () => {
    const old = { type: 'proc/sample', tMs: 100, key: { tMs: 100, intervalMs: 0, costMs: 1, processes: [] } };
    const event = new EventDecoder().decode(old, 2);
    expect(event).toStrictEqual({ type: 'proc/sample', tMs: 100, snapshot: { tMs: 100, intervalMs: 0, costMs: 1, processes: [] } });
  });
});
