import { createWriteStream, openSync, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';
import { RuntimeError } from '../util/errors.js';
import type { SessionEvent } from './events.js';
import { EventEncoder, RECORDING_FORMAT, RECORDING_VERSION, type RecordingHeader } from './recording-format.js';

/** Writes a session's events to an NDJSON file as they are dispatched (`--record FILE`). */
export interface Recorder {
  /** The store's onEvent hook: encodes the event and queues its line. Never throws. */
  readonly write: (event: SessionEvent) => void;
  /** Flushes what is queued and closes the file; resolves once it is on disk. */
  close(): Promise<void>;
  /** Bytes queued so far (header included). */
  bytes(): number;
}

/** watchload's own version, from its package.json. */
export function watchloadVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

export function recordingHeader(now: Date = new Date()): RecordingHeader {
  return { format: RECORDING_FORMAT, version: RECORDING_VERSION, watchload: watchloadVersion(), createdAt: now.toISOString() };
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
 */
export function openRecorder(path: string): Recorder {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw new RuntimeError(`--record: cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const stream: WriteStream = createWriteStream('', { fd, highWaterMark: FLUSH_BYTES });
  let failed: Error | null = null;
  stream.on('error', (error) => (failed ??= error));
  const encoder = new EventEncoder();
  let pending: string[] = [];
  let pendingBytes = 0;
  let total = 0;
  let closed = false;
  const flush = () => {
    if (pending.length === 0 || failed) return;
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
      if (closed) return;
      try {
        queue(encoder.encode(event));
      } catch (error) {
        failed ??= error as Error;
      }
    },
    bytes: () => total,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      flush();
      // 'close': the data is written and the fd closed (autoClose), not only handed over.
      await new Promise<void>((resolve) => {
        stream.once('close', () => resolve());
        stream.end();
      });
      if (failed) throw new RuntimeError(`--record: writing ${path} failed: ${failed.message}`);
    },
  };
}
