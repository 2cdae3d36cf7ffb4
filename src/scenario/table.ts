import type { JsonReport } from '../report/json.js';
import { sanitizeForTerminal } from '../util/sanitize.js';
import { failedRequests, reportValue, type ExpectationResult } from './expectations.js';

/** One line of the compare table: the numbers the tutorial's table has, from one report. */
export interface CompareRow {
  readonly label: string;
  readonly rps: number | null;
  /** What the load allows at best: connections / delay (closed loop), the rate (open loop); null for a ramp or no delay. */
  readonly idealRps: number | null;
  /** rps / ideal, in %. */
  readonly efficiencyPercent: number | null;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly failed: number | null;
  readonly processesBefore: number | null;
  readonly processesDuring: number | null;
  readonly maxThreadsPerProcess: number | null;
  readonly insights: readonly string[];
  /** Expectations (and guards) held / given; null when the entry has none. */
  readonly checks: { readonly passed: number; readonly total: number } | null;
  /** Why there is no report (the server would not start…); null when the run went through. */
  readonly error: string | null;
}

/** The best a closed loop can do is every connection busy all the time: connections / delay. */
export function idealRps(report: JsonReport): number | null {
  const { config } = report;
  if (config.ramp !== null) return null;
  if (config.rate !== null) return config.rate;
  if (config.delayS <= 0) return null;
  const busy = config.requests === null ? config.connections : Math.min(config.connections, config.requests);
  return busy / config.delayS;
}

export function compareRow(label: string, report: JsonReport | null, checks: readonly ExpectationResult[], error: string | null): CompareRow {
  const tally = checks.length === 0 ? null : { passed: checks.filter((c) => c.passed).length, total: checks.length };
  if (report === null) {
    return {
      label, rps: null, idealRps: null, efficiencyPercent: null, p50Ms: null, p99Ms: null, failed: null,
      processesBefore: null, processesDuring: null, maxThreadsPerProcess: null, insights: [], checks: tally, error: error ?? 'no report',
    };
  }
  const ideal = idealRps(report);
  return {
    label,
    rps: report.load.rps,
    idealRps: ideal,
    efficiencyPercent: ideal === null || ideal === 0 ? null : (report.load.rps / ideal) * 100,
    p50Ms: report.load.latencyMs.p50,
    p99Ms: report.load.latencyMs.p99,
    failed: failedRequests(report),
    processesBefore: reportValue('processesBeforeLoad', report),
    processesDuring: reportValue('processesDuringLoad', report),
    maxThreadsPerProcess: reportValue('maxThreadsPerProcess', report),
    insights: [...new Set(report.insights.map((i) => i.kind))],
    checks: tally,
    error,
  };
}

type Align = 'left' | 'right';

interface Column {
  readonly title: string;
  readonly align: Align;
  readonly cell: (row: CompareRow) => string;
}

const dash = '-';
const num = (value: number | null, digits = 0) => (value === null ? dash : value.toFixed(digits));
const ms = (value: number | null) => (value === null ? dash : value < 10 ? value.toFixed(1) : value.toFixed(0));

function columns(rows: readonly CompareRow[]): Column[] {
  const list: Column[] = [
    { title: 'model', align: 'left', cell: (r) => r.label },
    { title: 'req/s', align: 'right', cell: (r) => num(r.rps, 1) },
    { title: 'ideal', align: 'right', cell: (r) => num(r.idealRps, r.idealRps !== null && r.idealRps < 10 ? 1 : 0) },
    { title: 'eff.', align: 'right', cell: (r) => (r.efficiencyPercent === null ? dash : `${r.efficiencyPercent.toFixed(0)}%`) },
    { title: 'p50 ms', align: 'right', cell: (r) => ms(r.p50Ms) },
    { title: 'p99 ms', align: 'right', cell: (r) => ms(r.p99Ms) },
    { title: 'failed', align: 'right', cell: (r) => num(r.failed) },
    { title: 'procs before/during', align: 'right', cell: (r) => (r.error !== null ? dash : `${num(r.processesBefore)} / ${num(r.processesDuring)}`) },
    { title: 'max thr/proc', align: 'right', cell: (r) => num(r.maxThreadsPerProcess) },
    { title: 'insights', align: 'left', cell: (r) => (r.error !== null ? `run failed: ${r.error}` : r.insights.join(', ') || dash) },
  ];
  if (rows.some((r) => r.checks !== null)) {
    list.push({ title: 'pass', align: 'left', cell: (r) => (r.checks === null ? dash : r.checks.passed === r.checks.total ? `✓ ${r.checks.total}/${r.checks.total}` : `✗ ${r.checks.passed}/${r.checks.total}`) });
  }
  return list;
}

/** The table, aligned for a terminal (default) or in Markdown; labels and errors are made printable first. */
export function renderCompareTable(rows: readonly CompareRow[], format: 'table' | 'markdown'): string {
  const cols = columns(rows);
  const cells = rows.map((row) => cols.map((c) => sanitizeForTerminal(c.cell(row))));
  if (format === 'markdown') {
    const escape = (text: string) => text.replaceAll('|', '\\|');
    const lines = [
      `| ${cols.map((c) => c.title).join(' | ')} |`,
      `| ${cols.map((c) => (c.align === 'right' ? '---:' : '---')).join(' | ')} |`,
      ...cells.map((line) => `| ${line.map(escape).join(' | ')} |`),
    ];
    return lines.join('\n') + '\n';
  }
  const widths = cols.map((c, i) => Math.max(c.title.length, ...cells.map((line) => line[i].length)));
  const pad = (text: string, i: number) => (cols[i].align === 'right' ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const render = (line: readonly string[]) => line.map(pad).join('  ').trimEnd();
  return [render(cols.map((c) => c.title)), render(widths.map((w) => '─'.repeat(w))), ...cells.map(render)].join('\n') + '\n';
}
