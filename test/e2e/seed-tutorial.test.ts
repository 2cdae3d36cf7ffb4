import { describe, expect, it } from 'vitest';
import { runCli, survivors } from '../helpers/cli.js';

// Issue 5's "done means": the tutorial's every setup, at its load, on the real servers, with
// the expectations of scenarios/seed-tutorial.yaml (shape, throughput, insights). About two
// minutes; a missing server fails it (the suite checks installation in python-models).
interface Entry {
  label: string;
  report: { server: { pid: number | null }; shape: { peak: { threadsPerProcess: Record<string, number> } | null }; load: { rps: number } } | null;
  expectations: { name: string; expected: string; actual: string; passed: boolean }[];
  error: string | null;
}

describe('watchload run scenarios/seed-tutorial.yaml', () => {
  it('every setup of the tutorial runs and shows its shape; nothing is left running', async () => {
    const result = await runCli(['run', 'scenarios/seed-tutorial.yaml', '--json'], { timeoutMs: 600_000 });
    const document = JSON.parse(result.stdout) as { entries: Entry[]; passed: boolean };
    const failed = document.entries.flatMap((e) => [
      ...(e.error ? [`${e.label}: ${e.error}`] : []),
      ...e.expectations.filter((c) => !c.passed).map((c) => `${e.label}: ${c.name} expected ${c.expected}, got ${c.actual}`),
    ]);
    expect(failed, result.stderr).toEqual([]);
    expect(document.passed).toBe(true);
    expect(result.code).toBe(0);
    expect(document.entries).toHaveLength(9);
    const pids = document.entries.flatMap((e) => (e.report ? [e.report.server.pid ?? 0, ...Object.keys(e.report.shape.peak?.threadsPerProcess ?? {}).map(Number)] : []));
    expect(await survivors(pids.filter((p) => p > 0))).toEqual([]);
  }, 660_000);
});
