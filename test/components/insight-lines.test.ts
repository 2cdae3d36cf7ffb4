import { describe, expect, it } from 'vitest';
import { insightLines } from '../../components/insight-lines.js';
import { lineText, lineWidth } from '../../components/line.js';
import type { GuardResult, Insight } from '../../src/insights/types.js';

const insight = (tMs: number, text: string): Insight => ({ kind: 'flat', tMs, pid: 1, text, evidence: {} });
const guard = (breached: boolean, text: string): GuardResult => ({ guard: 'maxThreads', limit: 20, breached, value: 30, tMs: breached ? 1_500 : null, text });

describe('insightLines', () => {
  it('before the load: says when insights will come', () => {
    expect(insightLines([], [], 2, 80, false).map(lineText)).toEqual(['insights appear once the load starts']);
    expect(insightLines([], [], 2, 80, true).map(lineText)).toEqual(['insights: nothing to name yet']);
    expect(insightLines([], [], 0, 80, true)).toEqual([]);
  });

  it('one line per insight, with its time, when they fit', () => {
    expect(insightLines([insight(2_300, 'prefork'), insight(4_000, 'flat')], [], 3, 80, true).map(lineText)).toEqual(['▸ 2.3s prefork', '▸ 4.0s flat']);
  });

  it('broken guards come first; held guards are not shown; the oldest insights give way, counted', () => {
    const lines = insightLines([insight(1_000, 'a'), insight(2_000, 'b'), insight(3_000, 'c')], [guard(true, 'threads 30 > 20 at 1.5 s'), guard(false, 'held')], 2, 80, true);
    expect(lines.map(lineText)).toEqual(['+2 ✗ guard threads 30 > 20 at 1.5 s', '▸ 3.0s c']);
  });

  it('cuts each line to the width and strips what would drive the terminal', () => {
    const lines = insightLines([insight(0, `threads of pid 7 (\x1b[31mevil\x1b[0m) grew ${'x'.repeat(100)}`)], [], 1, 40, true);
    expect(lineWidth(lines[0])).toBeLessThanOrEqual(40);
    expect(lineText(lines[0])).not.toMatch(/\x1b/);
  });
});

describe('insightLines, short of room', () => {
  it("Little's law gives way before any shape", () => {
    const little: Insight = { kind: 'littles-law', tMs: 9_000, pid: null, text: 'law', evidence: {} };
    expect(insightLines([insight(1_000, 'prefork'), insight(2_000, 'pool'), little], [], 2, 80, true).map(lineText)).toEqual(['+1 ▸ 1.0s prefork', '▸ 2.0s pool']);
    expect(insightLines([insight(1_000, 'prefork'), little], [], 2, 80, true).map(lineText)).toEqual(['▸ 1.0s prefork', '▸ 9.0s law']);
  });
});
