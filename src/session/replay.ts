import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UsageError } from '../util/errors.js';
import type { SessionEvent } from './events.js';
import { EventDecoder, RECORDING_FORMAT, RECORDING_VERSION, RecordingFormatError } from './recording-format.js';
import { watchloadVersion } from './recorder.js';
import type { SessionState } from './state.js';
import { INITIAL_STATE, reduce } from './store.js';

/** A file that cannot be replayed: one line on stderr, exit 2. */
export class RecordingError extends UsageError {}

/** The longest line read; a longer one is no recording of ours (and would exhaust memory). */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface Recording {
  readonly events: SessionEvent[];
  /** The file ended before session/ended: the run was killed (SIGKILL) or the file cut. */
  readonly truncated: boolean;
}

/** Splits bytes into lines as they come; a line longer than maxLineBytes throws. */
export class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;
  constructor(private readonly maxLineBytes = MAX_LINE_BYTES) {}

  /** The complete lines in this chunk (with what came before it), without their newlines. */
  push(chunk: Buffer, onLine: (line: string) => void): void {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      this.check(piece.length);
      const line = this.parts.length === 0 ? piece.toString('utf8') : Buffer.concat([...this.parts, piece]).toString('utf8');
      this.parts = [];
      this.partBytes = 0;
      start = nl + 1;
      onLine(line);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.check(rest.length);
      // Copied: the caller reuses its read buffer.
      this.parts.push(Buffer.from(rest));
      this.partBytes += rest.length;
    }
  }

  /** What is left after the last newline: a line cut short, or null. */
  rest(): string | null {
    return this.parts.length === 0 ? null : Buffer.concat(this.parts).toString('utf8');
  }

  private check(more: number): void {
    if (this.partBytes + more > this.maxLineBytes) throw new RecordingError(`a line longer than ${this.maxLineBytes / 1024 / 1024} MB: not a watchload recording`);
  }
}

/**
 * Reads and checks a recording: its header (format and version), then every event, decoding
 * delta samples. Plain JSON.parse, line by line. A last line cut short (the run was killed)
 * ends the replay there, with `truncated` set; anything else wrong throws a RecordingError
 * naming the file and the line.
 */
export function parseRecording(lines: Iterable<string>, rest: string | null, file: string): Recording {
  const events: SessionEvent[] = [];
  const decoder = new EventDecoder();
  let number = 0;
  let ended = false;
  for (const text of lines) {
    number++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      if (number === 1) throw new RecordingError(`${file} is not a watchload recording (line 1 is not JSON)`);
      throw new RecordingError(`${file}: line ${number} is not valid JSON`);
    }
    if (number === 1) {
      checkHeader(value, file);
      continue;
    }
    try {
      const event = decoder.decode(value, number);
      if (event.type === 'session/ended') ended = true;
      events.push(event);
    } catch (error) {
      if (error instanceof RecordingFormatError) throw new RecordingError(`${file}: ${error.message}`);
      throw error;
    }
  }
  if (number === 0) {
    if (rest === null || rest.trim() === '') throw new RecordingError(`${file} is empty: not a watchload recording`);
    // One line without a newline: a header cut short, or something else entirely.
    let value: unknown = null;
    try {
      value = JSON.parse(rest);
    } catch {
      throw new RecordingError(`${file} is not a watchload recording (no header line)`);
    }
    checkHeader(value, file);
    return { events, truncated: true };
  }
  let truncated = !ended;
  if (rest !== null && rest.trim() !== '') {
    // A line the writer never finished. If it happens to be whole, it is still the last event.
    try {
      const event = decoder.decode(JSON.parse(rest), number + 1);
      events.push(event);
      if (event.type === 'session/ended') truncated = false;
    } catch {
      truncated = true;
    }
  }
  return { events, truncated };
}

function checkHeader(value: unknown, file: string): void {
  const header = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  if (header === null || header.format !== RECORDING_FORMAT) throw new RecordingError(`${file} is not a watchload recording (no "format":"${RECORDING_FORMAT}" header on line 1)`);
  if (header.version !== RECORDING_VERSION) {
    const by = typeof header.watchload === 'string' ? ` (written by watchload ${header.watchload.slice(0, 40)})` : '';
    const version = typeof header.version === 'number' || typeof header.version === 'string' ? String(header.version).slice(0, 20) : 'unknown';
    const which = typeof header.version === 'number' && header.version > RECORDING_VERSION ? 'newer' : 'other';
    throw new RecordingError(
      `${file} is a recording of format version ${version}${by}, a ${which} format; this watchload ${watchloadVersion()} replays version ${RECORDING_VERSION}`,
    );
  }
}

/** Reads FILE with a 1 MB buffer, synchronously (a replay has nothing else to do meanwhile). */
export function loadRecording(path: string): Recording {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new RecordingError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  // A device or a FIFO may never end (/dev/urandom): a recording is a regular file.
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new RecordingError(`${path} is not a regular file: replay reads what --record wrote`);
  }
  const lines: string[] = [];
  const splitter = new LineSplitter();
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) {
      splitter.push(buffer.subarray(0, n), (line) => lines.push(line));
    }
  } catch (error) {
    if (error instanceof RecordingError) throw new RecordingError(`${path}: ${error.message}`);
    throw new RecordingError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    closeSync(fd);
  }
  return parseRecording(lines, splitter.rest(), path);
}

/** The state the store had after these events: a replay's end, or any point of it. */
export function foldEvents(events: readonly SessionEvent[], initial: SessionState = INITIAL_STATE): SessionState {
  let state = initial;
  for (const event of events) state = reduce(state, event);
  return state;
}

/** The command and URL of the run, as a report names them (the live run's SessionResult has the same). */
export function recordedFacts(state: SessionState): { command: readonly string[]; url: string | null } {
  return { command: state.server?.command ?? [], url: state.server?.url ?? null };
}

export { recordingDurationMs, eventsUntil, Folder, SPEEDS, SEEK_MS, startPlayback, playbackSpeed, playbackReducer, clockText, cursorText } from './playback.js';
export type { Playback, PlaybackAction } from './playback.js';
