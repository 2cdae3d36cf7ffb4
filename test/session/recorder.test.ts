import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorReason, openRecorder, recordingStopText, type RecordingStop } from '../../src/session/recorder.js';
import { loadRecording } from '../../src/session/replay.js';
import { RuntimeError } from '../../src/util/errors.js';
import { syntheticRun } from './recording-stream.js';

const dir = mkdtempSync(join(tmpdir(), 'watchload-recorder-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const errno = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('errorReason', () => {
  it.each([
    ['ENOSPC from a write', errno('ENOSPC', 'ENOSPC: no space left on device, write'), 'no space left on device'],
    ['EIO', errno('EIO', 'EIO: i/o error, write'), 'i/o error'],
    ['EDQUOT', errno('EDQUOT', 'EDQUOT: disk quota exceeded, write'), 'disk quota exceeded'],
    ['with a path', errno('EFBIG', "EFBIG: file too large, write '/x/y'"), 'file too large'],
    ['not libuv', new Error('boom'), 'boom'],
    ['no message', errno('EPIPE', ''), 'EPIPE'],
  ])('%s', (_what, error, reason) => {
    expect(errorReason(error)).toBe(reason);
  });
});

describe('recordingStopText', () => {
  it('says when, why and which file, and that the run went on', () => {
    expect(recordingStopText({ path: '/data/run.ndjson', atMs: 12_345, reason: 'no space left on device' })).toBe(
      'recording stopped at 12.3 s: no space left on device (/data/run.ndjson); the run went on',
    );
  });
});

describe('openRecorder', () => {
  it('writes the header and every event; close resolves once they are in the file', async () => {
    const path = join(dir, 'ok.ndjson');
    const stops: RecordingStop[] = [];
    const recorder = openRecorder(path, { onStop: (s) => stops.push(s) });
    const events = syntheticRun(10);
    for (const event of events) recorder.write(event);
    await recorder.close();
    expect(stops).toEqual([]);
    expect(recorder.stopped()).toBeNull();
    expect(readFileSync(path, 'utf8').length).toBe(recorder.bytes());
    expect(loadRecording(path).events).toHaveLength(events.length);
  });

  it('a path that cannot be created throws before anything runs', () => {
    expect(() => openRecorder(join(dir, 'missing', 'x.ndjson'))).toThrow(RuntimeError);
    expect(() => openRecorder(join(dir, 'missing', 'x.ndjson'))).toThrow(/--record: cannot write .*x\.ndjson: ENOENT/);
  });

  it.skipIf(!existsSync('/dev/full'))('/dev/full: the first write fails; the recording stops once, writes are ignored, close resolves', async () => {
    const stops: RecordingStop[] = [];
    const recorder = openRecorder('/dev/full', { onStop: (s) => stops.push(s) });
    const events = syntheticRun(10);
    recorder.write(events[0]);
    await new Promise<void>((resolve) => {
      const poll = () => (recorder.stopped() ? resolve() : setTimeout(poll, 10));
      poll();
    });
    for (const event of events.slice(1)) recorder.write(event);
    await expect(recorder.close()).resolves.toBeUndefined();
    await recorder.close();
    expect(stops).toEqual([{ path: '/dev/full', atMs: 0, reason: 'no space left on device' }]);
    expect(recorder.stopped()).toEqual(stops[0]);
  });

  it.skipIf(!existsSync('/dev/full'))('a failure at close (the last flush) is a stop too, not a rejection', async () => {
    const stops: RecordingStop[] = [];
    const recorder = openRecorder('/dev/full', { onStop: (s) => stops.push(s) });
    const events = syntheticRun(10);
    for (const event of events) recorder.write(event);
    await recorder.close();
    expect(stops).toHaveLength(1);
    expect(stops[0].reason).toBe('no space left on device');
  });
});
