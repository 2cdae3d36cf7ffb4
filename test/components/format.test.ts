import { describe, expect, it } from 'vitest';
import {
  formatClock,
  formatCount,
  formatCpuPercent,
  formatLatencyMs,
  formatRangeUs,
  formatRate,
  formatRssBytes,
} from '../../components/format.js';
import { displayWidth, padEnd, padStart, truncateEnd, truncateMiddle } from '../../components/text.js';
import { fitLine, lineText } from '../../components/line.js';

describe('formatLatencyMs', () => {
  it.each([
    [null, '—'],
    [0.0004, '0 µs'],
    [0.85, '850 µs'],
    [2.345, '2.35 ms'],
    [9.996, '10.0 ms'],
    [23.46, '23.5 ms'],
    [201.2, '201 ms'],
    [999.4, '999 ms'],
    [999.6, '1.00 s'],
    [3_140, '3.14 s'],
    [12_345, '12.3 s'],
    [123_456, '123 s'],
  ])('%s ms → %s', (ms, text) => {
    expect(formatLatencyMs(ms)).toBe(text);
    expect(text.length).toBeLessThanOrEqual(7);
  });
});

describe('formatRangeUs', () => {
  it.each([
    [200_000, 250_000, '200–250 ms'],
    [500_000, 1_000_000, '500 ms–1 s'],
    [1_000, 1_500, '1–1.5 ms'],
    [120, 150, '120–150 µs'],
    [800, 1_000, '800 µs–1 ms'],
    [2_000_000, 5_000_000, '2–5 s'],
  ])('%d–%d µs → %s', (from, to, text) => {
    expect(formatRangeUs(from, to)).toBe(text);
  });
});

describe('numbers', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1_000, '1,000'],
    [1_234_567, '1,234,567'],
    [-4_200, '-4,200'],
  ])('formatCount(%d) = %s', (n, text) => expect(formatCount(n)).toBe(text));

  it.each([
    [0, '0:00'],
    [7_900, '0:07'],
    [754_000, '12:34'],
    [3_723_000, '1:02:03'],
  ])('formatClock(%d) = %s', (ms, text) => expect(formatClock(ms)).toBe(text));

  it.each([
    [null, '—'],
    [12.46, '12.5'],
    [248.4, '248'],
    [12_345, '12,345'],
  ])('formatRate(%s) = %s', (v, text) => expect(formatRate(v)).toBe(text));

  it.each([
    [null, '–'],
    [0, '0.0'],
    [12.34, '12.3'],
    [100, '100.0'],
    [1234.5, '1235'],
  ])('formatCpuPercent(%s) = %s', (v, text) => expect(formatCpuPercent(v)).toBe(text));

  it.each([
    [50_541_363, '48.2 MiB'],
    [20 * 1024 ** 3, '20.0 GiB'],
  ])('formatRssBytes(%d) = %s', (b, text) => expect(formatRssBytes(b)).toBe(text));
});

describe('text fitting', () => {
  it.each([
    ['node', 4],
    ['线程', 4],
    ['é', 1],
    ['e\u0301', 1],
    ['█▏·×…µ', 6],
  ])('displayWidth(%s) = %d', (text, width) => expect(displayWidth(text)).toBe(width));

  it.each([
    ['gunicorn', 8, 'gunicorn'],
    ['gunicorn', 5, 'guni…'],
    ['gunicorn', 1, '…'],
    ['gunicorn', 0, ''],
    ['线程线程', 5, '线程…'],
  ])('truncateEnd(%s, %d) = %s', (text, width, out) => expect(truncateEnd(text, width)).toBe(out));

  it('truncateMiddle keeps the program and the last arguments', () => {
    const cut = truncateMiddle('$ node /work/main/dist/src/models/servers/cluster.js --workers 4', 40);
    expect(cut).toBe('$ node /work/main/di…ster.js --workers 4');
    expect(displayWidth(cut)).toBe(40);
    expect(truncateMiddle('short', 40)).toBe('short');
  });

  it('pads to exact widths', () => {
    expect(padEnd('ab', 4)).toBe('ab  ');
    expect(padStart('ab', 4)).toBe('  ab');
    expect(padEnd('abcdef', 4)).toBe('abc…');
    expect(padStart('线', 3)).toBe(' 线');
  });

  it('fitLine cuts across segments and marks the cut', () => {
    const line = fitLine([{ text: 'abc' }, { text: 'def', bold: true }, { text: 'ghi' }], 5);
    expect(line).toEqual([{ text: 'abc' }, { text: 'd…', bold: true }]);
    expect(lineText(fitLine([{ text: 'abc' }], 3))).toBe('abc');
  });
});
