import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStat } from '../proc/parse.js';

/**
 * Temp dirs of a run (nginx's prefix, PostgreSQL's cluster). Each holds a marker naming the
 * watchload that made it (pid and start time, so a reused pid is not mistaken for it): a run
 * killed with SIGKILL cannot remove its dirs, so the next run removes those whose maker is gone.
 */
const PREFIX = 'watchload-';
const OWNER_FILE = '.watchload-owner';

/** pid and start time (stat field 22) of a live process; null when it is gone or a zombie. */
function identity(pid: number | 'self'): string | null {
  try {
    const stat = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return stat === null || stat.state === 'Z' ? null : `${stat.pid} ${stat.starttime}`;
  } catch {
    return null;
  }
}

/** A new temp dir `watchload-<kind>-XXXXXX`, marked as this process's. */
export function makeRunDir(kind: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${kind}-`));
  writeFileSync(join(dir, OWNER_FILE), `${identity('self') ?? process.pid}\n`);
  return dir;
}

/** Removes the marked temp dirs whose watchload is gone; returns what it removed. */
export function removeStaleRunDirs(root = tmpdir()): string[] {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return removed;
  }
  for (const entry of entries) {
    if (!entry.startsWith(PREFIX)) continue;
    const dir = join(root, entry);
    let owner: string;
    try {
      owner = readFileSync(join(dir, OWNER_FILE), 'utf8').trim();
    } catch {
      continue; // not ours, or not a dir: left alone
    }
    const pid = Number(owner.split(' ')[0]);
    if (Number.isInteger(pid) && pid > 0 && identity(pid) === owner) continue; // its watchload still runs
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
