import { mkdirSync, writeFileSync } from 'node:fs';
import { REPO_ROOT } from './machine.js';

/** Writes a benchmark's raw results to bench/results/<name>.json and returns the path. */
export function writeResults(name: string, data: unknown): string {
  const dir = `${REPO_ROOT}bench/results`;
  mkdirSync(dir, { recursive: true });
  const path = `${dir}/${name}.json`;
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}

export type Cell = string | number | null;

/** A GitHub Markdown table; numbers and the cells of right-aligned columns are right-aligned. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly Cell[])[], rightAligned: readonly number[] = []): string {
  const text = (c: Cell) => (c === null ? '—' : String(c));
  const right = new Set(rightAligned);
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(headers.map(String)),
    line(headers.map((_, i) => (right.has(i) ? '---:' : '---'))),
    ...rows.map((row) => line(row.map(text))),
  ].join('\n');
}

/** A number with `digits` significant digits, thousands grouped: 0.0123, 4.56, 12,345. */
export function sig(value: number | null, digits = 3): string | null {
  if (value === null || !Number.isFinite(value)) return null;
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A ratio as "5.6×". */
export function times(value: number | null, digits = 2): string | null {
  const s = sig(value, digits);
  return s === null ? null : `${s}×`;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Parses `--name value` flags with defaults; unknown flags are an error (exit 2). */
export function parseFlags<T extends Record<string, string>>(defaults: T, usage: string): T {
  const out: Record<string, string> = { ...defaults };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    const name = arg.replace(/^--/, '');
    if (!arg.startsWith('--') || !(name in defaults) || i + 1 >= argv.length) {
      process.stderr.write(`unknown or incomplete option ${arg}\n${usage}\n`);
      process.exit(2);
    }
    out[name] = argv[++i];
  }
  return out as T;
}

/** A comma-separated list of numbers. */
export function numberList(text: string): number[] {
  return text.split(',').map((s) => {
    const n = Number(s.replaceAll('_', ''));
    if (!Number.isFinite(n)) throw new Error(`not a number: ${s}`);
    return n;
  });
}
