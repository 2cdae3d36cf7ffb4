import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { makeRunDir, removeStaleRunDirs } from '../../src/util/run-dirs.js';

// Real dirs under a scratch root: one of a process that is gone, one of this live process,
// one without a marker (not ours), one whose pid was reused by another process.
const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function scratch(): string {
  const root = mkdtempSync(join(tmpdir(), 'run-dirs-test-'));
  roots.push(root);
  return root;
}

describe('removeStaleRunDirs', () => {
  it('removes the dirs of a watchload that is gone, and only those', () => {
    const root = scratch();
    const deadPid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const stale = join(root, 'watchload-nginx-dead');
    mkdirSync(stale);
    writeFileSync(join(stale, '.watchload-owner'), `${deadPid} 12345\n`);
    const reused = join(root, 'watchload-postgres-reused');
    mkdirSync(reused);
    writeFileSync(join(reused, '.watchload-owner'), `${process.pid} 1\n`); // this pid, another start time
    const foreign = join(root, 'watchload-something');
    mkdirSync(foreign);
    const unrelated = join(root, 'other-dir');
    mkdirSync(unrelated);

    expect(removeStaleRunDirs(root).sort()).toEqual([stale, reused].sort());
    expect(existsSync(foreign)).toBe(true);
    expect(existsSync(unrelated)).toBe(true);
  });

  it('keeps the dirs of a watchload that still runs', () => {
    const mine = makeRunDir('test');
    roots.push(mine);
    expect(removeStaleRunDirs()).not.toContain(mine);
    expect(existsSync(mine)).toBe(true);
  });
});
