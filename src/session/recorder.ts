import { createWriteStream, openSync, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';
import { RuntimeError } from '../util/errors.js';
import type { SessionEvent } from './events.js';
import { EventEncoder, RECORDING_FORMAT, RECORDING_VERSION, type RecordingHeader } from './recording-format.js';

/** Why and when a recording stopped before the run's end (issue 8: a disk that fills does not end the run). */
export interface RecordingStop {
  /** The recording's file, as given to --record. */
  readonly path: string;
  /** Session time of the last event queued when it stopped (0 before any). */
  readonly atMs: number;
  /** What went wrong, in words: `no space left on device`. */
  readonly reason: string;
}

/** Writes a session's events to an NDJSON file as they are dispatched (`--record FILE`). */
export interface Recorder {
  /** The store's onEvent hook: encodes the event and queues its line. Never throws. */
  readonly write: (event: SessionEvent) => void;
  /**
   * Flushes what is queued and closes the file; resolves once it is written. Never rejects:
   * a failed write stops the recording (see stopped()), never the run.
   */
  close(): Promise<void>;
  /** Bytes queued so far (header included). */
  bytes(): number;
  /** Null while the recording goes on (or ended well); why it stopped, once a write failed. */
  stopped(): RecordingStop | null;
}

export interface RecorderOptions {
  /** Called once, when a write fails and the recording stops (the run goes on). */
  readonly onStop?: (stop: RecordingStop) => void;
}

/** watchload's own version, from its package.json. */
export function watchloadVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

export function recordingHeader(now: Date = new Date()): RecordingHeader {
  return { format: RECORDING_FORMAT, version: RECORDING_VERSION, watchload: watchloadVersion(), createdAt: now.toISOString() };
}

/**
 * An fs error in words: libuv's messages are `ENOSPC: no space left on device, write`; the
 * description alone is what a person reads (the code when there is none).
 */
export function errorReason(error: Error): string {
  const match = /^[A-Z][A-Z0-9_]*: (.+?), [a-z_]+(?: '.*')?$/s.exec(error.message);
  if (match) return match[1];
  return error.message || ((error as NodeJS.ErrnoException).code ?? 'write failed');
}

/** The one line a stopped recording leaves: `recording stopped at 12.3 s: no space left on device (FILE); the run went on`. */
export function recordingStopText(stop: RecordingStop): string {
  return `recording stopped at ${(stop.atMs / 1000).toFixed(1)} s: ${stop.reason} (${stop.path}); the run went on`;
}

/** Lines are gathered and handed to the stream at most this often, in one write. */
const FLUSH_MS = 250;
/** ...or as soon as this much is gathered. */
const FLUSH_BYTES = 256 * 1024;

/**
 * Opens FILE at once (so a path that cannot be written fails before the run starts) and
 * writes through a WriteStream: the writes happen on libuv's pool, never on the UI's thread;
 * the UI's thread pays only JSON.stringify of each (delta-encoded) event. Lines are gathered
 * and written in chunks: one write per event would be one fs request per latency batch.
 *
 * A write that fails (ENOSPC, EIO, EDQUOT, EFBIG…) stops the recording: nothing more is
 * queued, the stream is destroyed (its fd closed), onStop says so once. What reached the file
 * stays: a recording cut short replays up to its last whole line, with a warning.
 */
export function openRecorder(path: string, options: RecorderOptions = {}): Recorder {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw new RuntimeError(`--record: cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const stream: WriteStream = createWriteStream('', { fd, highWaterMark: FLUSH_BYTES });
  const encoder = new EventEncoder();
  let pending: string[] = [];
  let pendingBytes = 0;
  let total = 0;
  let lastMs = 0;
  let closed = false;
  let stop: RecordingStop | null = null;

  const halt = (error: Error) => {
    if (stop !== null) return;
    stop = { path, atMs: lastMs, reason: errorReason(error) };
    clearInterval(timer);
    pending = [];
    pendingBytes = 0;
    // autoDestroy has closed the fd on a stream error; an encoder error leaves it to us.
    stream.destroy();
    options.onStop?.(stop);
  };
  stream.on('error', halt);

  const flush = () => {
    if (pending.length === 0 || stop !== null) return;
    stream.write(pending.join(''));
    pending = [];
    pendingBytes = 0;
  };
  const timer = setInterval(flush, FLUSH_MS);
  timer.unref();
  const queue = (line: string) => {
    pending.push(line + '\n');
    pendingBytes += line.length + 1;
    total += line.length + 1;
    if (pendingBytes >= FLUSH_BYTES) flush();
  };
  queue(JSON.stringify(recordingHeader()));
  flush();
  return {
    write(event) {
      if (closed || stop !== null) return;
      lastMs = Math.max(lastMs, event.tMs);
      try {
        queue(encoder.encode(event));
      } catch (error) {
        halt(error as Error);
      }
    },
    bytes: () => total,
    stopped: () => stop,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      flush();
      // 'close': the data is written and the fd closed (autoClose), not only handed over. A
      // stream already destroyed by an error may have closed before now.
      if (stream.closed) return;
      await new Promise<void>((resolve) => {
        stream.once('close', () => resolve());
        if (stop === null) stream.end();
      });
    },
  };
}
