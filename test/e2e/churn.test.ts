import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { freePort } from '../../src/util/ports.js';

// Issue 8 (a): /proc races. A server starts 1,000 threads a second for 60 s, each living 1 s
// (~1,000 alive at once), and counts them itself; watchload samples it every 250 ms through
// the real CLI. Threads vanish between the task listing and the reads, tids come back after
// the pid space wraps (60,000 threads, pid_max 32,768 here): no exception, and the births the
// report counts match the server's own count within ±5 %. A sampler can count only threads
// that live at least one interval: at 1 s each is seen in about 4 samples.

const PYTHON = '/usr/bin/python3';
const CHURN = join(ROOT, 'test/fixtures/servers/churn.py');
const DIR = mkdtempSync(join(tmpdir(), 'watchload-churn-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

/** What churn.py wrote once it had started its last thread. */
interface ChurnCount {
  readonly churned: number;
  readonly connections: number;
  readonly firstStartS: number;
  readonly lastStartS: number;
  readonly lateMaxMs: number;
}

interface TimelinePoint {
  readonly t: number;
  readonly threads: number;
  readonly born: number;
  readonly died: number;
}

/** stderr without the headless status lines (`[   1.0 s] loading …`). */
const said = (stderr: string) => stderr.split('\n').filter((line) => line !== '' && !/^\[\s*[\d.]+ s\]/.test(line));

describe('thread churn: 1,000 threads a second for 60 s', () => {
  it('runs to the end with no exception, and counts the births within ±5 % of the server\u2019s own count', async () => {
    const port = await freePort('127.0.0.1');
    const countFile = join(DIR, 'count.json');
    // The churn starts 2 s after the server (after watchload's first sample) and ends at 62 s;
    // -d 64 keeps sampling past its last thread's end.
    const command = `${PYTHON} ${CHURN} ${port} 1000 60 --life-ms 1000 --delay-ms 2000 --count-file ${countFile}`;
    const startedAt = performance.now();
    const run = await runCli(['--cmd', command, '--url', `http://127.0.0.1:${port}/`, '-d', '64', '-c', '1', '--interval', '250', '--json'], { timeoutMs: 120_000 });
    const wallS = (performance.now() - startedAt) / 1000;
    expect(run.code, run.stderr.slice(-3_000)).toBe(0);
    expect(said(run.stderr)).toEqual([]);
    expect(run.stderr).not.toMatch(/Error|\n\s+at /);

    const server = JSON.parse(readFileSync(countFile, 'utf8')) as ChurnCount;
    expect(server.churned).toBe(60_000);
    const report = JSON.parse(run.stdout) as { ended: string; timeline: TimelinePoint[]; load: { ok: number; errors: number } };
    expect(report.ended).toBe('completed');
    expect(report.load.errors).toBe(0);
    const born = report.timeline.reduce((n, p) => n + p.born, 0);
    const died = report.timeline.reduce((n, p) => n + p.died, 0);
    // The server's threads: the churned ones and one per connection it accepted after the
    // first sample (the load's; the readiness probe's came before).
    const expected = server.churned + server.connections;
    expect(Math.abs(born - expected) / expected).toBeLessThanOrEqual(0.05);
    expect(Math.abs(died - expected) / expected).toBeLessThanOrEqual(0.05);
    const peak = Math.max(...report.timeline.map((p) => p.threads));
    expect(peak).toBeGreaterThan(900);
    expect(peak).toBeLessThan(1_200);
    const gaps = report.timeline.slice(1).map((p, k) => p.t - report.timeline[k].t);
    process.stderr.write(
      `[churn] ${wallS.toFixed(1)} s wall; server: ${server.churned} churned + ${server.connections} connections (latest start ${server.lateMaxMs} ms late); ` +
        `report: born ${born} (${(((born - expected) / expected) * 100).toFixed(2)} %), died ${died}, peak ${peak} threads, ` +
        `${report.timeline.length} samples, longest gap ${(Math.max(...gaps) * 1000).toFixed(0)} ms\n`,
    );
  }, 150_000);
});
