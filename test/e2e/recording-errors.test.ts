import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { childrenOf, runCli, survivors } from '../helpers/cli.js';
import { RATE_ABOVE_ZERO, Tmux } from '../helpers/tmux.js';

// Issue 8: the disk fills while recording. A write that fails stops the recording with one
// warning; the run goes on and ends with its own exit code. /dev/full fails every write with
// ENOSPC; a 16 KiB tmpfs (root only) takes the first writes and fails a later one, mid-run.

const DIR = mkdtempSync(join(tmpdir(), 'watchload-record-errors-'));
const tmux = new Tmux('record-errors');

/** Pids a test saw its runs start (servers, the CLI under tmux): none may outlive the test. */
const seen: number[] = [];
afterEach(async () => {
  tmux.killSessions();
  expect(await survivors(seen.splice(0))).toEqual([]);
});

/** The pid and every live descendant. */
function tree(pid: number): number[] {
  return [pid, ...childrenOf(pid).flatMap(tree)];
}

const commOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8');
  } catch {
    return '';
  }
};

/** The server's pids, from a --json report. */
const serverPids = (report: { shape: { peak: { threadsPerProcess: Record<string, number> } } }) => Object.keys(report.shape.peak.threadsPerProcess).map(Number);
afterAll(() => {
  tmux.close();
  rmSync(DIR, { recursive: true, force: true });
});

const STOPPED = (file: string) => new RegExp(`^watchload: recording stopped at (\\d+\\.\\d) s: no space left on device \\(${file.replace(/[/.]/g, '\\$&')}\\); the run went on$`, 'gm');
/** stderr without the headless status lines (`[   1.0 s] loading …`). */
const said = (stderr: string) => stderr.trimEnd().split('\n').filter((line) => !/^\[\s*[\d.]+ s\]/.test(line));

/** A tmpfs of `size` mounted on a new dir (root only); null where mount is not allowed. */
function tinyDisk(size: string): string | null {
  const dir = mkdtempSync(join(DIR, 'tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    return null;
  }
}
const canMount = process.getuid?.() === 0 && (() => {
  const dir = tinyDisk('16k');
  if (dir === null) return false;
  execFileSync('umount', [dir]);
  return true;
})();
if (!canMount) console.warn('recording-errors: cannot mount a tmpfs here (not root?): the mid-run disk-full case is skipped');

describe('--record on a disk that fills', () => {
  it('/dev/full: every write fails; the run goes on, exit 0, one warning (live and at the end)', async () => {
    const run = await runCli(['--model', 'single', '-n', '300', '-c', '5', '--delay', '0.01', '--record', '/dev/full', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    seen.push(...serverPids(report));
    expect(report.load.ok).toBe(300);
    const warnings = [...run.stderr.matchAll(STOPPED('/dev/full'))];
    expect(warnings.length, run.stderr).toBe(2);
    expect(warnings[0][1]).toBe('0.0');
    // The warning is the last thing said: after the run, nothing else went wrong.
    expect(said(run.stderr).at(-1)).toMatch(STOPPED('/dev/full'));
    expect(said(run.stderr).filter((l) => !STOPPED('/dev/full').test(l))).toEqual([]);
  });

  it.skipIf(!canMount)('a 16 KiB tmpfs: the recording stops mid-run, the run finishes, the part written replays', async () => {
    const disk = tinyDisk('16k')!;
    try {
      const file = join(disk, 'run.ndjson');
      const run = await runCli(['--model', 'single', '-d', '5', '-c', '5', '--delay', '0.01', '--record', file, '--json']);
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout);
      seen.push(...serverPids(report));
      expect(report.load.errors).toBe(0);
      const warnings = [...run.stderr.matchAll(STOPPED(file))];
      expect(warnings.length, run.stderr).toBe(2);
      const atS = Number(warnings[0][1]);
      expect(atS).toBeGreaterThan(0);
      expect(atS).toBeLessThan(5.5);
      expect(statSync(file).size).toBeGreaterThan(4096);

      const replay = await runCli(['replay', file, '--json']);
      expect(replay.code, replay.stderr).toBe(0);
      expect(replay.stderr).toMatch(/warning: .*run\.ndjson is truncated .*replaying up to 0:0\d/);
      const replayed = JSON.parse(replay.stdout);
      expect(replayed.model).toBe('single');
      expect(replayed.server.pid).toBe(report.server.pid);
    } finally {
      execFileSync('umount', [disk]);
    }
  });

  it('a file that cannot be created is one line before the run, exit 1, nothing started', async () => {
    for (const [path, code] of [[join(DIR, 'no', 'such', 'dir.ndjson'), 'ENOENT'], [DIR, 'EISDIR']] as const) {
      const run = await runCli(['--model', 'single', '-n', '10', '--record', path]);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr.trimEnd().split('\n')).toEqual([`watchload: --record: cannot write ${path}: ${code}`]);
      expect(run.stdout).toBe('');
    }
  });

  it('the TUI says so in its footer, goes on, and q quits with exit 0 and the warning', async () => {
    tmux.start('full', 120, 30, '--model single -d 60 -c 5 --delay 0.01 --record /dev/full');
    const live = await tmux.waitFor('full', (s) => RATE_ABOVE_ZERO.test(s) && s.includes('⚠ recording stopped'), 30_000);
    // watchload, its server and the sampler's helpers, under the pane's shell.
    const started = tree(tmux.panePid('full')).slice(1);
    seen.push(...started);
    const footer = live.trimEnd().split('\n').at(-1)!;
    expect(footer).toMatch(/^q quit · space pause · \? help · ⚠ recording stopped at 0\.0 s: no space left on device \(\/dev\/full\); the run went on$/);
    // Still loading: the run did not end with the recording.
    expect(live.split('\n')[0]).toMatch(/ loading +0:\d\d$/);
    tmux.run('send-keys', '-t', 'full', 'q');
    const after = await tmux.waitFor('full', (s) => s.includes('EXIT='), 20_000);
    expect(after).toContain('EXIT=0');
    expect(after).toMatch(STOPPED('/dev/full'));
    // Gone on their own, before the pane is closed (closing it would hang them up).
    expect(await survivors(started.filter((pid) => !/sleep/.test(commOf(pid))))).toEqual([]);
  });
});
