import { readFileSync } from 'node:fs';
import { availableParallelism, hostname, release, type } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';
import { sanitizeForTerminal } from '../util/sanitize.js';
import type { RunFacts } from './json.js';

/** Where a shared report was made: what a reader needs to weigh its numbers. */
export interface ReportEnvironment {
  readonly hostname: string;
  /** CPUs of the machine (os.availableParallelism). */
  readonly cores: number;
  /** `Linux 6.1.0-18-amd64`. */
  readonly kernel: string;
  /** `v20.19.0`. */
  readonly node: string;
  /** watchload's package version. */
  readonly watchload: string;
  /** When the report was written, ISO 8601. */
  readonly date: string;
  /** Where the events came from: `live run`, or `recording demo.ndjson` (then the fields above are of the machine that wrote the report). */
  readonly source: string;
}

/** What the HTML and Markdown reports are given beside the state. */
export type ReportFacts = RunFacts & { readonly environment: ReportEnvironment };

/** This machine, now. */
export function collectEnvironment(source = 'live run', now = new Date()): ReportEnvironment {
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? version;
  } catch {
    // A report without a version is still a report.
  }
  return { hostname: hostname(), cores: availableParallelism(), kernel: `${type()} ${release()}`, node: process.version, watchload: version, date: now.toISOString(), source };
}

/** `&`, `<`, `>`, `"`, `'` as entities: safe in text and in quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Text another program chose (a comm, a cmdline, a URL, an insight quoting them), for a
 * report: control characters and escape sequences dropped (src/util/sanitize.ts), then
 * HTML-escaped.
 */
export function htmlText(text: string): string {
  return escapeHtml(sanitizeForTerminal(text));
}

/** argv as one shell-like line: arguments with spaces or quotes single-quoted. */
export function commandLine(argv: readonly string[]): string {
  return argv
    .map((a) => sanitizeForTerminal(a))
    .map((a) => (a === '' || /[\s'"\\$`]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a))
    .join(' ');
}
