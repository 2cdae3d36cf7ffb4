import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childrenOf, processesMatching, runCli, startCli, collect, survivors, waitForOutput } from '../helpers/cli.js';

// watchload killed with SIGKILL runs no cleanup code: what it started must die anyway (a
// parent-death signal on every server, SIGTERM for nginx so that it stops its workers), and
// the temp dirs it could not remove are removed by the next run, which says so.

const started: number[] = [];
afterEach(async () => {
  expect(await survivors(started.splice(0))).toEqual([]);
});

const nginxDirs = () => new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('watchload-nginx-')).map((name) => join(tmpdir(), name)));

describe('SIGKILL of watchload', () => {
  it('with nginx in front: the server, nginx master and worker all die; the next run removes the temp prefix', async () => {
    const before = nginxDirs();
    const child = startCli(['--model', 'flask-threaded', '--proxy', 'nginx', '-d', '60', '-c', '10', '--no-tui']);
    await waitForOutput(child, (o) => /\] loading .* [1-9]\d* req\/s/.test(o.stderr), 30_000);
    const ours = [...nginxDirs()].filter((dir) => !before.has(dir));
    expect(ours).toHaveLength(1);
    const prefix = ours[0];
    const servers = [...processesMatching(prefix), ...processesMatching('flask run --no-reload --with-threads')];
    // nginx master (its command line names the prefix) and the Flask server; nginx's worker is
    // titled `nginx: worker process`, found as the master's child below.
    expect(servers.length).toBeGreaterThanOrEqual(2);
    const workers = servers.flatMap(childrenOf);
    expect(workers.length).toBeGreaterThanOrEqual(1);
    started.push(...servers, ...workers);

    child.kill('SIGKILL');
    await collect(child, 10_000);
    expect(await survivors([...servers, ...workers], 5_000)).toEqual([]);
    expect(existsSync(prefix)).toBe(true); // nobody could remove it yet

    const next = await runCli(['--model', 'single', '-n', '20', '-c', '5', '--delay', '0', '--json']);
    expect(next.code).toBe(0);
    expect(next.stderr).toContain(`watchload: removed ${prefix}, left by an earlier run that was killed`);
    expect(existsSync(prefix)).toBe(false);
  });
});
