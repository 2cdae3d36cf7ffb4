import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processesMatching, runCli, survivors } from '../helpers/cli.js';

// The built CLI (npm test builds first) running short Node models: stdout is a pipe, so no TUI.
const SERVER_SCRIPTS = 'src/models/servers/node-';
const dir = mkdtempSync(join(tmpdir(), 'scenario-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  expect(await survivors(processesMatching(SERVER_SCRIPTS))).toEqual([]);
});

function scenarioFile(name: string, processesBeforeLoad: number): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    `name: ${name}
load:
  requests: 200
  connections: 10
  delay: 0.01
entries:
  - model: cluster
    label: cluster of 2
    workers: 2
    expect:
      processesBeforeLoad: ${processesBeforeLoad}
      processesDuringLoad: { gte: 3, lte: 3 }
      failed: 0
`,
  );
  return path;
}

describe('watchload run FILE.yaml', () => {
  it('runs the entry, lists each expectation with ✓, exits 0', async () => {
    const run = await runCli(['run', scenarioFile('holds', 3)]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^\[1\/1\] cluster of 2 … \d+\.\d s, [\d.]+ req\/s$/m);
    expect(run.stdout).toMatch(/^ {4}✓ processesBeforeLoad {2}expected = 3 {7}got 3$/m);
    expect(run.stdout).toMatch(/^ {4}✓ processesDuringLoad {2}expected ≥ 3, ≤ 3 {2}got 3$/m);
    expect(run.stdout).toMatch(/^ {4}✓ failed {15}expected = 0 {7}got 0$/m);
    expect(run.stdout).toMatch(/^3 of 3 expectations held\.$/m);
    expect(run.stdout).not.toContain('✗');
  });

  it('exits 3 when an expectation fails, and shows what was expected and got', async () => {
    const run = await runCli(['run', scenarioFile('breaks', 7)]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout).toMatch(/^ {4}✗ processesBeforeLoad {2}expected = 7 {7}got 3$/m);
    expect(run.stdout).toMatch(/^2 of 3 expectations held; 1 failed\.$/m);
  });

  it('--json prints one document with the report and the expectations', async () => {
    const run = await runCli(['run', scenarioFile('json', 7), '--json']);
    expect(run.code, run.stderr).toBe(3);
    const doc = JSON.parse(run.stdout);
    expect(doc.scenario).toMatchObject({ name: 'json' });
    expect(doc.passed).toBe(false);
    expect(doc.entries).toHaveLength(1);
    expect(doc.entries[0].label).toBe('cluster of 2');
    expect(doc.entries[0].report.model).toBe('cluster');
    expect(doc.entries[0].report.shape.before.processes).toBe(3);
    expect(doc.entries[0].expectations[0]).toEqual({ name: 'processesBeforeLoad', expected: '= 7', actual: '3', passed: false });
  });

  it('a bad file is one line naming file, line and field; exit 2; nothing runs', async () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, 'name: bad\nentries:\n  - model: cluster\n    connections: many\n');
    const run = await runCli(['run', path]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`watchload: ${path}:4: entries[0].connections: expected a whole number from 1 to 10000, got "many"\n`);
  });
});

describe('watchload compare --models single,cluster -n 100 -c 10 --delay 0.01 --markdown', () => {
  it('runs each model in turn and prints the Markdown table', async () => {
    const run = await runCli(['compare', '--models', 'single,cluster', '-n', '100', '-c', '10', '--delay', '0.01', '--markdown']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^\[1\/2\] single … \d+\.\d s, [\d.]+ req\/s\n\[2\/2\] cluster … \d+\.\d s, [\d.]+ req\/s\n$/);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('| model | req/s | ideal | eff. | p50 ms | p99 ms | failed | procs before/during | max thr/proc | insights |');
    expect(lines[1]).toBe('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
    expect(lines).toHaveLength(4);
    // ideal = 10 connections / 0.01 s; the cluster's 4 workers (its default) and its primary.
    expect(lines[2]).toMatch(/^\| single \| [\d.]+ \| 1000 \| \d+% \| [\d.]+ \| [\d.]+ \| 0 \| 1 \/ 1 \| \d+ \| .* \|$/);
    expect(lines[3]).toMatch(/^\| cluster \| [\d.]+ \| 1000 \| \d+% \| [\d.]+ \| [\d.]+ \| 0 \| 5 \/ 5 \| \d+ \| .* \|$/);
  });
});
