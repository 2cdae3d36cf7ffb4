import { closeSync, openSync, readSync, readdirSync } from 'node:fs';
import { parseOpenFilesLimit } from './parse.js';

/**
 * A /proc file the sampler reads again and again (a thread's schedstat, stat, wchan; a
 * process's stat, statm, cmdline). Meant for small files that the kernel writes in one go
 * (proc(5)'s one-record files): a read shorter than the buffer is taken as the whole file.
 */
export interface ProcFile {
  /**
   * The whole text now, or null when the task is gone (or the file may not be read). A file
   * that once answered null stays null: it was about one task, and that task is gone.
   */
  read(): string | null;
  /** Lets go of its descriptor, if one is kept, but not of the file: a later read opens it again. */
  release(): void;
  /** Lets go of the file (its descriptor, if one was kept). Safe to call twice. */
  close(): void;
}

/**
 * Which files deserve a kept descriptor: 'hot' files are read every sample (schedstat, the
 * tree's stat) and kept from their first read; 'warm' ones are read only when something moved
 * (a thread's stat and wchan), so they are kept from their second read, and only while fewer
 * than half the cap are kept, leaving room for the hot ones.
 */
export type KeepPriority = 'hot' | 'warm';

/**
 * How the sampler reads /proc. null means the file or directory is gone: a task that exits
 * between a readdir and a read is normal, not an error.
 */
export interface ProcReader {
  /** The whole text of a file, or null when it vanished or may not be read. */
  readText(path: string): string | null;
  /** The names in a directory, or null when it vanished or may not be read. */
  listDir(path: string): string[] | null;
  /**
   * A file to read again and again. The real reader keeps its descriptor open and re-reads it
   * at offset 0; readers without it (recordings, fixtures) are read by path (`openByPath`).
   */
  openFile?(path: string, priority: KeepPriority): ProcFile;
}

/** The reader's ProcFile, or a stand-in that reads the path each time. */
export function openProcFile(reader: ProcReader, path: string, priority: KeepPriority): ProcFile {
  return reader.openFile?.(path, priority) ?? openByPath(reader, path);
}

/** A ProcFile that reads the path each time (no descriptor kept). */
export function openByPath(reader: ProcReader, path: string): ProcFile {
  let gone = false;
  return {
    read() {
      if (gone) return null;
      const text = reader.readText(path);
      if (text === null) gone = true;
      return text;
    },
    release() {},
    close() {
      gone = true;
    },
  };
}

/** The real reader, with what it holds open. */
export interface RealProcReader extends ProcReader {
  openFile(path: string, priority: KeepPriority): ProcFile;
  /** Descriptors held open right now by files from openFile(). */
  keptFiles(): number;
  /** The most it will ever hold open. */
  readonly maxKeptFiles: number;
}

export interface ProcReaderOptions {
  /** Start size of the shared read buffer; it grows for bigger files. */
  readonly initialBytes?: number;
  /**
   * Most descriptors kept open at once; beyond it files are opened, read and closed each time.
   * Default: half the soft RLIMIT_NOFILE (from /proc/self/limits), at most 8,192.
   */
  readonly maxKeptFiles?: number;
}

/** The kept-descriptor cap for a soft RLIMIT_NOFILE (null: unknown). */
export function defaultMaxKeptFiles(softLimit: number | null): number {
  // Half the limit: the sampler runs in the CLI's process, whose load driver needs a
  // descriptor per connection, and Node some of its own (Node raises the soft limit to the
  // hard one at start-up, so this is usually generous). At most 8,192: each kept descriptor
  // pins a 4 KB kernel buffer once read, 35 MB at the cap; that is the schedstat of 8,192
  // idle threads, and a tree bigger than that reads the rest by path.
  if (softLimit === null) return 512;
  return Math.max(0, Math.min(8_192, Math.floor(softLimit / 2)));
}

/**
 * Errors that mean "gone or not ours": ENOENT (exited before open), ESRCH (exited between open
 * and read, or since a kept descriptor was opened), EACCES/EPERM (another user's task:
 * wchan/syscall need ptrace access, proc(5)), ENOTDIR (a pid reused by a non-directory entry
 * is impossible, but cheap to allow).
 */
const GONE = new Set(['ENOENT', 'ESRCH', 'EACCES', 'EPERM', 'ENOTDIR']);

function isGone(error: unknown): boolean {
  return typeof error === 'object' && error !== null && GONE.has((error as NodeJS.ErrnoException).code ?? '');
}

/**
 * The real reader: synchronous calls into one shared buffer. FACTS.md measured 8–12× more CPU
 * with fs/promises, so the sampler runs it in a worker thread rather than going async.
 *
 * openFile() keeps a descriptor per file and re-reads it with pread at offset 0: BENCHMARKS.md
 * measured that at 0.30× of open + read + close here. A kept descriptor stays bound to its
 * task: once the task exits, reads fail with ESRCH, even if its tid is reused meanwhile (the
 * descriptor holds the old struct pid), so a kept file never reads another task's data.
 * It is not free: once read, a /proc descriptor holds its seq_file's buffer, a page (Slab grew
 * 3.96 KB per descriptor here), so warm files are kept only once read twice, and the sampler
 * releases them when their thread goes idle.
 */
export function createProcReader(options: ProcReaderOptions = {}): RealProcReader {
  let buffer = Buffer.allocUnsafe(options.initialBytes ?? 16 * 1024);
  let kept = 0;
  let keptWarm = 0;

  function grow(length: number): void {
    const bigger = Buffer.allocUnsafe(buffer.length * 2);
    buffer.copy(bigger, 0, 0, length);
    buffer = bigger;
  }

  /**
   * Reads fd to the end: from offset 0 with pread when `kept` (its offset is wherever the last
   * read left it), else from where a fresh descriptor stands. `oneRecord`: a short read is the end.
   */
  function readFd(fd: number, kept: boolean, oneRecord: boolean): string {
    let length = 0;
    for (;;) {
      const room = buffer.length - length;
      const n = readSync(fd, buffer, length, room, kept ? length : null);
      if (n === 0) break;
      length += n;
      // A multi-record seq_file (smaps) returns short reads midway: only 0 means the end there.
      // The one-record files the sampler keeps are written in one go, so a short read is all.
      if (oneRecord && n < room) break;
      if (length === buffer.length) grow(length);
    }
    return buffer.toString('utf8', 0, length);
  }

  /** open + read + close; null when gone. */
  function readPath(path: string, oneRecord: boolean): string | null {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      if (isGone(error)) return null;
      throw error;
    }
    try {
      return readFd(fd, false, oneRecord);
    } catch (error) {
      if (isGone(error)) return null;
      throw error;
    } finally {
      closeSync(fd);
    }
  }

  const limits = options.maxKeptFiles === undefined ? readPath('/proc/self/limits', false) : null;
  const maxKeptFiles = options.maxKeptFiles ?? defaultMaxKeptFiles(limits === null ? null : parseOpenFilesLimit(limits));

  function openFile(path: string, priority: KeepPriority): ProcFile {
    let fd = -1;
    let gone = false;
    const warm = priority === 'warm';
    let keep = !warm;
    // Warm files may use only half the cap, so that hot ones (read every sample) find room.
    const room = (): boolean => kept < maxKeptFiles && (!warm || keptWarm < Math.floor(maxKeptFiles / 2));

    function drop(): void {
      if (fd >= 0) {
        closeSync(fd);
        fd = -1;
        kept--;
        if (warm) keptWarm--;
      }
    }

    return {
      read() {
        if (gone) return null;
        // Over the cap: open, read, close; a descriptor freed since (a thread that died) is
        // taken up on a later read.
        if (fd < 0 && keep && room()) {
          try {
            fd = openSync(path, 'r');
            kept++;
            if (warm) keptWarm++;
          } catch (error) {
            if (!isGone(error)) throw error;
            gone = true;
            return null;
          }
        }
        keep = true;
        if (fd < 0) {
          const text = readPath(path, true);
          if (text === null) gone = true;
          return text;
        }
        try {
          return readFd(fd, true, true);
        } catch (error) {
          if (!isGone(error)) throw error;
          gone = true;
          drop();
          return null;
        }
      },
      release: drop,
      close() {
        gone = true;
        drop();
      },
    };
  }

  function listDir(path: string): string[] | null {
    try {
      return readdirSync(path);
    } catch (error) {
      if (isGone(error)) return null;
      throw error;
    }
  }

  return {
    readText: (path) => readPath(path, false),
    listDir,
    openFile,
    keptFiles: () => kept,
    maxKeptFiles,
  };
}
