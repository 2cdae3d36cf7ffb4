import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processesMatching, runCli } from './helpers/cli.js';

// Every way a user can get the command line wrong: one line on stderr saying what and how to
// mend it, exit 2, no stack trace, nothing started. The README's troubleshooting lists them.
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'watchload-bad-input-'));
  writeFileSync(join(dir, 'wrong-type.yaml'), 'name: x\nentries:\n  - model: cluster\n    connections: many\n');
  writeFileSync(join(dir, 'invalid.yaml'), 'name: [unclosed\n');
  writeFileSync(join(dir, 'not-a-recording.ndjson'), '{"hello":1}\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string) => join(dir, name);

const BAD: ReadonlyArray<readonly [string, () => string[], RegExp]> = [
  ['an unknown model', () => ['--model', 'nope'], /unknown model 'nope' \(valid: cluster, /],
  ['an unknown flag', () => ['--bogus'], /unknown option '--bogus'/],
  ['an unknown command', () => ['frobnicate'], /unknown command 'frobnicate'/],
  ['negative connections', () => ['-c', '-5'], /expected a whole number from 1 to 10000/],
  ['huge connections', () => ['-c', '100000'], /expected a whole number from 1 to 10000/],
  ['zero requests', () => ['-n', '0'], /expected a whole number from 1 to 100000000/],
  ['a malformed duration', () => ['-d', 'abc'], /expected seconds from 0\.1 to 86400/],
  ['a huge delay', () => ['--delay', '1e9'], /expected seconds from 0 to 600/],
  ['a ramp without seconds', () => ['--ramp', '10'], /'10' is not SECONDS:VALUE/],
  ['a malformed ramp stage', () => ['--ramp', '10:50,x:3'], /'x:3' is not SECONDS:VALUE/],
  ['a zero rate', () => ['--rate', '0'], /more than 0 and at most 1000000/],
  ['a rate value with a ramp', () => ['--rate', '200', '--ramp', '5:10'], /give --rate without a value/],
  ['-n with -d', () => ['-n', '10', '-d', '5'], /not both/],
  ['too short an interval', () => ['--interval', '5'], /from 20 to 60000/],
  ['a port out of range', () => ['--port', '70000'], /from 1 to 65535/],
  ['a malformed error limit', () => ['--max-errors', 'lots'], /a count \(5\) or a percentage \(1%\)/],
  ['a zero p99 limit', () => ['--max-p99', '0'], /expected milliseconds, more than 0/],
  ['more load workers than connections', () => ['--load-workers', '4', '-c', '2'], /needs at least as many connections/],
  ['--workers on a model without workers', () => ['--model', 'single', '--workers', '2'], /model 'single' has no workers/],
  ['--psycogreen off gevent', () => ['--psycogreen'], /--psycogreen is for the gevent models/],
  ['--db on a Node model', () => ['--model', 'cluster', '--db', 'postgres'], /--db is for the Python models/],
  ['an unknown proxy', () => ['--proxy', 'apache'], /Allowed choices are nginx/],
  ['--attach to a missing pid', () => ['--attach', '999999', '--url', 'http://127.0.0.1:1/'], /--attach 999999: no such process/],
  ['--attach to init', () => ['--attach', '1', '--url', 'http://127.0.0.1:1/'], /--attach 1 is init/],
  ['--cmd without --url', () => ['--cmd', 'true'], /--cmd needs --url/],
  ['a --url that is not http', () => ['--cmd', 'true', '--url', 'ftp://x/'], /must be an http:\/\/ URL/],
  ['--cmd with --attach', () => ['--cmd', 'true', '--attach', '5', '--url', 'http://127.0.0.1:1/'], /give one of them/],
  ['a missing scenario file', () => ['run', file('missing.yaml')], /missing\.yaml: no such file/],
  ['invalid YAML', () => ['run', file('invalid.yaml')], /invalid\.yaml:2: /],
  ['a field of the wrong type', () => ['run', file('wrong-type.yaml')], /wrong-type\.yaml:4: entries\[0\]\.connections: expected a whole number/],
  ['compare without a file or models', () => ['compare'], /compare: a scenario file or --models/],
  ['replaying a non-recording', () => ['replay', file('not-a-recording.ndjson')], /is not a watchload recording/],
  ['replaying a missing file', () => ['replay', file('missing.ndjson')], /cannot read .*missing\.ndjson/],
  ['replaying a device', () => ['replay', '/dev/urandom'], /\/dev\/urandom is not a regular file/],
  ['reporting a non-recording', () => ['report', file('not-a-recording.ndjson')], /not a watchload recording/],
  ['a scenario that is a device', () => ['run', '/dev/zero'], /\/dev\/zero: not a regular file/],
  ['a scenario that is a directory', () => ['run', dir], /a directory, not a scenario file/],
  ['--pids-limit without --docker', () => ['--pids-limit', '100'], /--pids-limit is for a server in a container: add --docker/],
  ['a malformed --memory', () => ['--docker', '--memory', 'lots'], /expected a size such as 512m or 1g/],
  ['too little --memory', () => ['--docker', '--memory', '1m'], /at least 6m/],
  ['zero --cpus', () => ['--docker', '--cpus', '0'], /expected cores, from 0\.01 to 1024/],
  ['--docker with --cmd', () => ['--docker', '--cmd', 'true', '--url', 'http://127.0.0.1:1/'], /does not take --cmd or --attach/],
  ['an unknown docker command', () => ['docker', 'push'], /unknown docker command 'push' \(docker commands: build\)/],
  ['an unknown sampling source', () => ['--docker', '--docker-sampling', 'ps'], /Allowed choices are auto, proc, engine/],
];

describe('bad input: one line, exit 2, no stack trace, nothing left running', () => {
  it.each(BAD)('%s', async (_what, args, message) => {
    const before = new Set(processesMatching('src/models/servers/'));
    const run = await runCli(args());
    expect(run.code, run.stderr).toBe(2);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^watchload: /);
    expect(lines[0]).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at |Error: /);
    expect(processesMatching('src/models/servers/').filter((pid) => !before.has(pid))).toEqual([]);
  });

  it('has at least 25 cases', () => {
    expect(BAD.length).toBeGreaterThanOrEqual(25);
  });
});
