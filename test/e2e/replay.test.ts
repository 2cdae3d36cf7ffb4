import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ROOT, processesMatching, runCli, startCli, survivors, waitForOutput } from '../helpers/cli.js';

// Record a real run of the built CLI, replay it, compare; and the replay view under tmux.

const dir = mkdtempSync(join(tmpdir(), 'watchload-replay-e2e-'));
const SOCKET = join(tmpdir(), `watchload-replay-e2e-${process.pid}.tmux`);
const tmux = (...args: string[]) => execFileSync('tmux', ['-S', SOCKET, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const sessions: string[] = [];

afterEach(async () => {
  for (const session of sessions.splice(0)) {
    try {
      tmux('kill-session', '-t', session);
    } catch {
      // already gone
    }
  }
  expect(await survivors(processesMatching('src/models/servers/node-'))).toEqual([]);
});
afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    // no server left
  }
  rmSync(SOCKET, { force: true });
  rmSync(dir, { recursive: true, force: true });
});

const RECORDED = join(dir, 'cluster.ndjson');

async function screenMatching(session: string, predicate: (text: string) => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = tmux('capture-pane', '-p', '-t', session);
    if (predicate(text)) return text;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`screen never matched; last screen:\n${text}`);
}

describe('record and replay', () => {
  it('replay --json prints exactly what the recorded run printed with --json', async () => {
    const live = await runCli(['--model', 'cluster', '-n', '300', '-c', '10', '--delay', '0.01', '--record', RECORDED, '--json']);
    expect(live.stderr).not.toMatch(/^watchload: /m);
    expect(live.code).toBe(0);
    const lines = readFileSync(RECORDED, 'utf8').split('\n');
    expect(JSON.parse(lines[0])).toMatchObject({ format: 'watchload-recording', version: 1, watchload: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(lines.at(-1)).toBe('');
    const types = lines.slice(1, -1).map((l) => JSON.parse(l).type as string);
    expect(types[0]).toBe('session/started');
    expect(types).toContain('session/ended');
    // Only the server's exit, which comes as the session tears down, may follow session/ended.
    expect(types.slice(types.indexOf('session/ended') + 1).every((t) => t === 'server/exited')).toBe(true);
    expect(types.filter((t) => t === 'proc/sample').length).toBeGreaterThan(2);
    expect(lines.some((l) => l.startsWith('{"type":"proc/sample"') && l.includes('"delta":'))).toBe(true);

    const replay = await runCli(['replay', RECORDED, '--json']);
    expect(replay.stderr).toBe('');
    expect(replay.code).toBe(0);
    const liveReport = JSON.parse(live.stdout);
    expect(JSON.parse(replay.stdout)).toEqual(liveReport);
    expect(replay.stdout).toBe(live.stdout);
    expect(liveReport.load.requests).toBe(300);

    const text = await runCli(['replay', RECORDED, '--no-tui']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^watchload · cluster · 4 workers · /);
    expect(text.stdout).toMatch(/300 responses · 300 ok/);
  });

  it('a recording of a run killed with SIGKILL replays up to where it ends, with a warning', async () => {
    const file = join(dir, 'killed.ndjson');
    const child = startCli(['--model', 'cluster', '-d', '30', '-c', '10', '--delay', '0.01', '--record', file, '--no-tui']);
    // Killed under load, once a few batches are on disk (the recorder writes every 250 ms).
    const batches = () => (existsSync(file) ? readFileSync(file, 'utf8').split('"type":"load/batch"').length - 1 : 0);
    await waitForOutput(child, () => batches() >= 3, 30_000);
    child.kill('SIGKILL');
    await child.closed;
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('session/ended');

    const replay = await runCli(['replay', file, '--json']);
    expect(replay.code).toBe(0);
    expect(replay.stderr).toMatch(new RegExp(`^watchload: replay: warning: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is truncated \\(the run was killed, or its disk filled\\?\\): replaying up to 0:\\d\\d\\n$`));
    const report = JSON.parse(replay.stdout);
    expect(report.ended).toBeNull();
    expect(report.load.requests).toBeGreaterThan(0);

    // The same, cut in the middle of a line.
    const cut = join(dir, 'cut.ndjson');
    writeFileSync(cut, text.slice(0, text.lastIndexOf('{"type":') + 25));
    const cutReplay = await runCli(['replay', cut, '--json']);
    expect(cutReplay.code).toBe(0);
    expect(cutReplay.stderr).toMatch(/is truncated/);
  });

  it.each([
    ['not a recording', '{"hello":1}\n', /^watchload: replay: .*bad\.ndjson is not a watchload recording \(no "format":"watchload-recording" header on line 1\)\n$/],
    ['another version', '{"format":"watchload-recording","version":7,"watchload":"3.1.0"}\n', /^watchload: replay: .* format version 7 \(written by watchload 3\.1\.0\), a newer format; this watchload \d+\.\d+\.\d+ replays version 1\n$/],
    ['garbage in the middle', '{"format":"watchload-recording","version":1,"watchload":"0.1.0"}\n{"type":"server/ready","tMs":1}\n{"type":\n{"type":"server/ready","tMs":2}\n', /^watchload: replay: .*: line 3 is not valid JSON\n$/],
  ])('%s: one line, exit 2, no stack', async (_what, text, message) => {
    const file = join(dir, 'bad.ndjson');
    writeFileSync(file, text);
    const run = await runCli(['replay', file, '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });

  it('usage errors: no file, a missing file, an unknown flag; --record to a path that cannot be written', async () => {
    expect(await runCli(['replay'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^watchload: replay: which recording\?/) });
    expect(await runCli(['replay', join(dir, 'none.ndjson')])).toMatchObject({ code: 2, stderr: expect.stringMatching(/cannot read .*none\.ndjson: ENOENT\n$/) });
    expect(await runCli(['replay', RECORDED, '--fast'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown option '--fast'/) });
    const bad = await runCli(['--model', 'single', '-n', '10', '--record', join(dir, 'no/such/dir/x.ndjson'), '--json']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^watchload: --record: cannot write .*x\.ndjson: ENOENT\n$/);
  });

  it('the replay view under tmux shows the time cursor, takes keys and quits on q', async () => {
    expect(existsSync(RECORDED)).toBe(true);
    const command = `cd '${ROOT}' && env -u CI NO_COLOR=1 node bin/watchload.js replay '${RECORDED}'; echo "EXIT=$?"; sleep 60`;
    sessions.push('replay');
    tmux('new-session', '-d', '-s', 'replay', '-x', '120', '-y', '40', 'sh', '-c', command);
    const first = await screenMatching('replay', (s) => /replay \d:\d\d \/ \d:\d\d · 1× · (playing|ended)/.test(s), 20_000);
    expect(first).toMatch(/^cluster · 4 workers · -c 10 · delay 10(\.0)? ms/);
    expect(first.trimEnd().split('\n').length).toBeLessThanOrEqual(39);
    // Pause, then seek back to the start and speed up: the cursor says so.
    tmux('send-keys', '-t', 'replay', '+');
    await screenMatching('replay', (s) => s.includes('· 2× ·'), 10_000);
    tmux('send-keys', '-t', 'replay', 'Left');
    tmux('send-keys', '-t', 'replay', 'Left');
    const start = await screenMatching('replay', (s) => /replay 0:0[01] \/ 0:0\d · 2×/.test(s), 10_000);
    expect(start).toMatch(/Threads · 5 processes|waiting for the first sample/);
    tmux('send-keys', '-t', 'replay', 'q');
    const after = await screenMatching('replay', (s) => s.includes('EXIT='), 10_000);
    expect(after).toContain('EXIT=0');
    expect(after).toMatch(/watchload · cluster · 4 workers · /);
  });
});
