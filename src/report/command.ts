import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { SessionState } from '../session/state.js';
import { UsageError } from '../util/errors.js';
import { sanitizeForTerminal } from '../util/sanitize.js';
import { collectEnvironment, type ReportFacts } from './environment.js';
import { buildJsonReport } from './json.js';

/** The formats a report file can take. */
export type ReportFileFormat = 'html' | 'md' | 'json';

/** `watchload report FILE.ndjson [-o OUT] [--format html|md|json]`, as typed. */
export type ReportCliCommand =
  | { readonly kind: 'report'; readonly recording: string; readonly output: string | null; readonly format: ReportFileFormat }
  | { readonly kind: 'help'; readonly text: string };

export const REPORT_HELP = `Usage: watchload report FILE.ndjson [-o OUT] [--format html|md|json]

Writes a report of a recorded session: one self-contained HTML file (charts of threads per
process, thread states, processes, req/s, latency over time, the latency histogram, insights
and load changes on the time axis), a Markdown summary, or the JSON report of --json.

Options:
  -o, --output <file>  where to write (default: stdout)
  --format <format>    html, md or json (default: from OUT's extension, else html)
  -h, --help           show this help

Examples:
  watchload report demo.ndjson -o demo.html
  watchload report demo.ndjson --format md > demo.md

Exit codes: 0 written, 1 the report could not be written, 2 usage error or not a readable recording.
`;

const FORMATS: readonly ReportFileFormat[] = ['html', 'md', 'json'];

/** html / md / json from a file name's extension; null when it says none of them. */
export function formatFromPath(path: string): ReportFileFormat | null {
  const ext = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (ext === 'html' || ext === 'htm') return 'html';
  if (ext === 'md' || ext === 'markdown') return 'md';
  if (ext === 'json') return 'json';
  return null;
}

/** True when argv is the report subcommand; parseCli hands it here before commander sees it. */
export function isReportCommand(argv: readonly string[]): boolean {
  return argv[0] === 'report';
}

/** Parses `report …` (argv without node and script); throws UsageError. */
export function parseReportArgs(argv: readonly string[]): ReportCliCommand {
  const args = argv.slice(1);
  if (args.includes('-h') || args.includes('--help')) return { kind: 'help', text: REPORT_HELP };
  let recording: string | null = null;
  let output: string | null = null;
  let format: ReportFileFormat | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const inline = /^(--output|--format)=(.*)$/.exec(arg);
    const name = inline ? inline[1] : arg;
    const value = () => {
      if (inline) return inline[2];
      const next = args[++i];
      if (next === undefined) throw new UsageError(`report: ${arg} needs a value`);
      return next;
    };
    if (name === '-o' || name === '--output') output = value();
    else if (name === '--format') {
      const given = value();
      if (!(FORMATS as readonly string[]).includes(given)) throw new UsageError(`report: unknown format '${given}' (valid: ${FORMATS.join(', ')})`);
      format = given as ReportFileFormat;
    } else if (arg.startsWith('-')) throw new UsageError(`report: unknown option '${arg}' (watchload report FILE.ndjson [-o OUT] [--format html|md|json])`);
    else if (recording === null) recording = arg;
    else throw new UsageError(`report: one recording at a time, got '${recording}' and '${arg}'`);
  }
  if (recording === null) throw new UsageError('report: which recording? watchload report FILE.ndjson -o report.html');
  return { kind: 'report', recording, output, format: format ?? (output !== null ? formatFromPath(output) : null) ?? 'html' };
}

/** The report of a state in a format; the HTML and Markdown renderers load only when asked for. */
export async function renderReportFile(state: SessionState, facts: ReportFacts, format: ReportFileFormat): Promise<string> {
  if (format === 'json') return JSON.stringify(buildJsonReport(state, facts), null, 2) + '\n';
  if (format === 'md') return (await import('./markdown.js')).renderMarkdownReport(state, facts);
  return (await import('./html.js')).renderHtmlReport(state, facts);
}

/** Writes a report file (creating its folder); the caller reports errors. */
export async function writeReportFile(path: string, state: SessionState, facts: ReportFacts, format: ReportFileFormat = formatFromPath(path) ?? 'html'): Promise<void> {
  const text = await renderReportFile(state, facts, format);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/**
 * `--report FILE` of a live run: written at the end from the final state. Returns 0, or 1
 * (with a line on stderr) when it could not be written: a run that measured but lost its
 * report failed.
 */
export async function writeRunReport(path: string, state: SessionState, facts: { readonly command: readonly string[]; readonly url: string | null }): Promise<number> {
  if (state.config === null) return 0;
  try {
    await writeReportFile(path, state, { command: facts.command, url: facts.url, environment: collectEnvironment() });
    process.stderr.write(`watchload: report written to ${sanitizeForTerminal(path)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`watchload: could not write the report ${sanitizeForTerminal(path)}: ${sanitizeForTerminal((error as Error).message)}\n`);
    return 1;
  }
}

/** Runs `watchload report`; returns the exit code. */
export async function runReportCommand(command: Extract<ReportCliCommand, { kind: 'report' }>): Promise<number> {
  // The recording read back and folded by the same reducer as the live run (loaded only here).
  const { loadRecording, foldEvents, recordedFacts } = await import('../session/replay.js');
  let state: SessionState;
  try {
    const { events, truncated } = loadRecording(command.recording);
    if (truncated) process.stderr.write(`watchload: ${sanitizeForTerminal(command.recording)} ends before the session did (the run was killed, or its disk filled?): reporting what it holds\n`);
    state = foldEvents(events);
  } catch (error) {
    // Not a recording, or not readable: a usage error (exit 2), as for `watchload replay`.
    process.stderr.write(`watchload: ${sanitizeForTerminal((error as Error).message)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
  if (state.config === null) {
    process.stderr.write(`watchload: ${sanitizeForTerminal(command.recording)} holds no session (no session/started event)\n`);
    return 1;
  }
  const facts: ReportFacts = {
    ...recordedFacts(state),
    environment: collectEnvironment(`recording ${basename(command.recording)}`),
  };
  try {
    if (command.output === null) process.stdout.write(await renderReportFile(state, facts, command.format));
    else {
      await writeReportFile(command.output, state, facts, command.format);
      process.stderr.write(`watchload: report written to ${sanitizeForTerminal(command.output)}\n`);
    }
  } catch (error) {
    process.stderr.write(`watchload: could not write the report: ${sanitizeForTerminal((error as Error).message)}\n`);
    return 1;
  }
  return 0;
}
