import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/session/events.js';
import { EventDecoder, EventEncoder } from '../../src/session/recording-format.js';
import { recordingHeader, watchloadVersion } from '../../src/session/recorder.js';
import { foldEvents, LineSplitter, loadRecording, parseRecording, RecordingError } from '../../src/session/replay.js';
import { buildJsonReport } from '../../src/report/json.js';
import { recordedFacts } from '../../src/session/replay.js';
import { syntheticRun } from './recording-stream.js';

function encodeAll(events: readonly SessionEvent[], keyframeEveryMs?: number): string[] {
  const encoder = new EventEncoder(keyframeEveryMs);
  return events.map((e) => encoder.encode(e));
}

function decodeAll(lines: readonly string[]): SessionEvent[] {
  const decoder = new EventDecoder();
  return lines.map((line, k) => decoder.decode(JSON.parse(line), k + 2));
}

const dir = mkdtempSync(join(tmpdir(), 'watchload-recording-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function file(text: string): string {
  const path = join(dir, `r${fileNo++}.ndjson`);
  writeFileSync(path, text);
  return path;
}
const HEADER = JSON.stringify(recordingHeader(new Date('2026-11-22T07:00:00Z')));

describe('encode / decode', () => {
  const events = syntheticRun();

  it('decoded events deep-equal the originals, deltas and keyframes alike', () => {
    for (const keyframeEveryMs of [60_000, 2_000]) {
      const decoded = decodeAll(encodeAll(events, keyframeEveryMs));
      expect(decoded).toStrictEqual(JSON.parse(JSON.stringify(events)));
      // And exactly, value for value (toStrictEqual above sees undefined vs absent too).
      expect(decoded).toEqual(events);
    }
  });

  it('writes a keyframe first and then only what changed', () => {
    const lines = encodeAll(events);
    const samples = lines.filter((l) => l.startsWith('{"type":"proc/sample"'));
    expect(JSON.parse(samples[0])).toHaveProperty('key');
    expect(JSON.parse(samples[1])).toHaveProperty('delta');
    // Sample 3 → 4: pid 100 (busy in both): only main's cpu/ran/lastCpu and the process's rss/cpu change.
    const delta = JSON.parse(samples[4]).delta.processes[0];
    expect(delta.p).toBe(100);
    expect(Object.keys(delta).sort()).toEqual(['cpuPercent', 'p', 'rssBytes', 't']);
    expect(delta.t.map((t: { i: number }) => t.i)).toEqual([100]);
    expect(Object.keys(delta.t[0]).sort()).toEqual(['c', 'i', 'l', 'r']);
    // A steady process (nginx, never busy after the first sample) is its pid alone.
    expect(JSON.parse(samples[3]).delta.processes.at(-1)).toEqual({ p: 900 });
    // New threads arrive as rows; gone ones by tid.
    const grow = JSON.parse(samples[5]).delta.processes[1];
    expect(grow.a).toEqual([[210, 'node', 'S', 0, 0, 0, 'futex_wait_queue', 'futex wait', 'libuv pool']]);
    expect(JSON.parse(samples[31]).delta.processes[1].g).toEqual([211]);
    // The reversed sample names its order; the next one goes back to tid order, which it names too.
    expect(JSON.parse(samples[25]).delta.processes[0].ord).toEqual([105, 104, 103, 102, 101, 100]);
    expect(JSON.parse(samples[24]).delta.processes[0].ord).toBeUndefined();
  });

  it('keyframes come again after keyframeEveryMs', () => {
    const keys = encodeAll(events, 2_000).filter((l) => l.includes('"key":'));
    expect(keys.length).toBe(Math.ceil((39 * 250) / 2_000) + 0);
  });

  it('a delta before any keyframe, or to an unknown pid, is a format error with its line', () => {
    const lines = encodeAll(events);
    const firstDelta = lines.findIndex((l) => l.includes('"delta":'));
    expect(() => new EventDecoder().decode(JSON.parse(lines[firstDelta]), 7)).toThrow(/line 7: a delta sample before any keyframe/);
  });

  it('fields of the wrong type (a crafted file) are a format error, not a crash of the replay', () => {
    const lines = encodeAll(events);
    const key = lines.findIndex((l) => l.includes('"key":'));
    const decoder = () => new EventDecoder();
    const crafted = (edit: (sample: { processes: Record<string, unknown>[] }) => void) => {
      const value = JSON.parse(lines[key]);
      edit(value.key);
      return value;
    };
    expect(() => decoder().decode(crafted((k) => ((k.processes[0].threads as unknown[][])[0][1] = { evil: 1 })), 9)).toThrow(/line 9: a thread row that is not/);
    expect(() => decoder().decode(crafted((k) => (k.processes[0].name = 42)), 9)).toThrow(/line 9: a process without its name/);
    expect(() => decoder().decode(crafted((k) => (k.processes[0].cmdline = ['ok', 7])), 9)).toThrow(/line 9: a process without its name, cmdline/);
    const d = decoder();
    d.decode(JSON.parse(lines[key]), 9);
    const delta = JSON.parse(lines[key + 1]);
    delta.delta.processes[0] = { p: delta.delta.processes[0].p ?? 100, t: [{ i: 1, n: ['x'] }] };
    expect(() => d.decode(delta, 10)).toThrow(/line 10: thread 1: name is not of its type/);
    expect(() => decoder().decode({ type: 'server/spawned', tMs: 1, pid: 1, command: [{}], url: 'x' }, 3)).toThrow(/line 3: server\/spawned without pid, command or url/);
  });

  it('folding the decoded stream gives the report of the original', () => {
    const original = foldEvents(events);
    const replayed = foldEvents(decodeAll(encodeAll(events)));
    expect(buildJsonReport(replayed, recordedFacts(replayed))).toEqual(buildJsonReport(original, { command: events[2].type === 'server/spawned' ? events[2].command : [], url: 'http://127.0.0.1:41056/' }));
  });
});

describe('loadRecording', () => {
  const events = syntheticRun(10);
  const body = encodeAll(events).join('\n') + '\n';

  it('reads a whole recording', () => {
    const recording = loadRecording(file(HEADER + '\n' + body));
    expect(recording.truncated).toBe(false);
    expect(recording.events).toEqual(events);
  });

  it('the header names the format, version 1, this package version and when', () => {
    const header = JSON.parse(HEADER);
    expect(header).toEqual({ format: 'watchload-recording', version: 1, watchload: watchloadVersion(), createdAt: '2026-11-22T07:00:00.000Z' });
    expect(watchloadVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    ['an empty file', '', /is empty: not a watchload recording/],
    ['no header', body, /is not a watchload recording \(no "format":"watchload-recording" header on line 1\)/],
    ['garbage', 'hello\nworld\n', /is not a watchload recording \(line 1 is not JSON\)/],
    ['another format', '{"format":"other","version":1}\n' + body, /is not a watchload recording/],
  ])('%s is not a recording', (_what, text, message) => {
    const path = file(text);
    expect(() => loadRecording(path)).toThrow(RecordingError);
    expect(() => loadRecording(path)).toThrow(message);
  });

  it('a newer or older version names both versions', () => {
    const newer = file(JSON.stringify({ format: 'watchload-recording', version: 2, watchload: '0.9.0', createdAt: 'x' }) + '\n' + body);
    expect(() => loadRecording(newer)).toThrow(`is a recording of format version 2 (written by watchload 0.9.0), a newer format; this watchload ${watchloadVersion()} replays version 1`);
    const older = file(JSON.stringify({ format: 'watchload-recording', version: 0, watchload: '0.0.1' }) + '\n' + body);
    expect(() => loadRecording(older)).toThrow(/format version 0 \(written by watchload 0\.0\.1\).*replays version 1/);
  });

  it('an invalid line in the middle names its line', () => {
    const lines = (HEADER + '\n' + body).split('\n');
    lines[5] = lines[5].slice(0, 20);
    expect(() => loadRecording(file(lines.join('\n')))).toThrow(/: line 6 is not valid JSON$/);
    lines[5] = '{"type":"load/exploded","tMs":1}';
    expect(() => loadRecording(file(lines.join('\n')))).toThrow(/: line 6: unknown event type 'load\/exploded'/);
    lines[5] = '{"type":"load/batch","tMs":1,"batch":{}}';
    expect(() => loadRecording(file(lines.join('\n')))).toThrow(/: line 6: load\/batch without counts or sent/);
  });

  it('a last line cut short replays up to it, truncated', () => {
    const whole = HEADER + '\n' + body;
    // Cut in the middle of the last sample line.
    const lastSample = whole.lastIndexOf('{"type":"proc/sample"');
    const recording = loadRecording(file(whole.slice(0, lastSample + 40)));
    expect(recording.truncated).toBe(true);
    const sampleCount = events.filter((e) => e.type === 'proc/sample').length;
    expect(recording.events.filter((e) => e.type === 'proc/sample')).toHaveLength(sampleCount - 1);
    expect(recording.events).toEqual(events.slice(0, recording.events.length));
    // Cut at a line's end, before session/ended: truncated too.
    const cut = whole.slice(0, whole.indexOf('{"type":"session/ended"'));
    expect(loadRecording(file(cut)).truncated).toBe(true);
    // Only a header, cut: no events, truncated.
    expect(loadRecording(file(HEADER))).toEqual({ events: [], truncated: true });
  });

  it('a missing file is a RecordingError naming it', () => {
    expect(() => loadRecording(join(dir, 'nope.ndjson'))).toThrow(/cannot read .*nope\.ndjson: ENOENT/);
  });

  it('lines over the limit are refused, across chunks', () => {
    const splitter = new LineSplitter(10);
    const lines: string[] = [];
    splitter.push(Buffer.from('12345\n1234'), (l) => lines.push(l));
    splitter.push(Buffer.from('56\n'), (l) => lines.push(l));
    expect(lines).toEqual(['12345', '123456']);
    splitter.push(Buffer.from('123456'), (l) => lines.push(l));
    expect(() => splitter.push(Buffer.from('78901'), () => undefined)).toThrow(/a line longer than/);
  });

  it('parses with JSON.parse only: a line of code is not run', () => {
    (globalThis as Record<string, unknown>).__pwned = false;
    const evil = HEADER + '\n' + '(globalThis.__pwned = true)\n';
    expect(() => parseRecording(evil.split('\n').slice(0, 2), null, 'x')).toThrow(/x: line 2 is not valid JSON/);
    expect((globalThis as Record<string, unknown>).__pwned).toBe(false);
  });
});
