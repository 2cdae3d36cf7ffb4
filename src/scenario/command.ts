import { parseCli } from '../cli-options.js';
import { executeRun, printRunError } from '../cli.js';
import type { JsonReport } from '../report/json.js';
import { renderReport } from '../report/render.js';
import type { FrontEnd } from '../session/run.js';
import { UsageError } from '../util/errors.js';
import { removeStaleRunDirs } from '../util/run-dirs.js';
import { sanitizeForTerminal } from '../util/sanitize.js';
import type { CompareSource, ScenarioCliCommand } from './args.js';
import { entryArgv, entryCommand, type RunCommand } from './argv.js';
import { checkExpectations, type ExpectationResult } from './expectations.js';
import { readScenarioFile } from './parse.js';
import { MODEL_FLAGS, type Expectations, type ModelField, type ScenarioEntry } from './schema.js';
import { compareRow, renderCompareTable } from './table.js';

type Command = Exclude<ScenarioCliCommand, { kind: 'help' }>;

/** What will run: every entry validated before the first server starts. */
interface Plan {
  readonly name: string;
  readonly description: string | null;
  readonly file: string | null;
  readonly runs: readonly PlannedRun[];
}

interface PlannedRun {
  readonly label: string;
  readonly argv: readonly string[];
  readonly command: RunCommand;
  readonly expect: Expectations;
}

/** One run done: its report (null when the server never started) and how the checks went. */
interface RunOutcome {
  readonly run: PlannedRun;
  readonly report: JsonReport | null;
  readonly checks: readonly ExpectationResult[];
  readonly exitCode: number;
  readonly error: string | null;
  /** The run's text report, as a plain run prints it; null when the load never started. */
  readonly summary: string | null;
}

/** `watchload run FILE.yaml` and `watchload compare …`; returns the exit code. */
export async function runScenarioCommand(command: Command): Promise<number> {
  let plan: Plan;
  try {
    plan = command.kind === 'scenario' ? planFile(command.file) : 'file' in command.source ? planFile(command.source.file) : planModels(command.source);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`watchload: ${sanitizeForTerminal(error.message)}\n`);
    return 2;
  }

  for (const dir of removeStaleRunDirs()) process.stderr.write(`watchload: removed ${dir}, left by an earlier run that was killed\n`);
  const interactive = command.kind === 'scenario' && command.tui && plan.runs.length === 1 && process.stdout.isTTY === true && process.stdin.isTTY === true && !process.env.CI;
  const printSummaries = command.kind === 'scenario' && !command.json;
  const outcomes: RunOutcome[] = [];
  for (const [index, run] of plan.runs.entries()) {
    const outcome = await execute(run, `[${index + 1}/${plan.runs.length}]`, interactive);
    outcomes.push(outcome);
    if (isInterrupt(outcome.exitCode)) return outcome.exitCode; // Ctrl-C ends the whole scenario, not one entry
    if (printSummaries) process.stdout.write(outcomeSummary(outcome, index, plan.runs.length));
  }

  const passed = outcomes.every((o) => o.exitCode === 0 && o.checks.every((c) => c.passed));
  const rows = outcomes.map((o) => compareRow(o.run.label, o.report, o.checks, o.error));
  if (command.kind === 'compare' && command.format !== 'json') {
    process.stdout.write(renderCompareTable(rows, command.format));
    process.stdout.write(renderFailures(outcomes));
  } else if (command.kind === 'scenario' && !command.json) {
    process.stdout.write(renderChecks(plan, outcomes));
  } else {
    const document = jsonDocument(plan, outcomes, passed);
    process.stdout.write(JSON.stringify(command.kind === 'compare' ? { ...document, table: rows } : document, null, 2) + '\n');
  }
  return exitCode(outcomes);
}

function planFile(file: string): Plan {
  const scenario = readScenarioFile(file);
  // All entries first: a typo in the last entry is found before the first one runs for a minute.
  const runs = scenario.entries.map((entry) => ({
    label: entry.label ?? defaultLabel(entry),
    argv: entryArgv(entry),
    command: entryCommand(scenario, entry),
    expect: entry.expect,
  }));
  return { name: scenario.name, description: scenario.description, file, runs };
}

function planModels(source: Extract<CompareSource, { models: readonly string[] }>): Plan {
  const runs = source.models.map((model) => {
    const argv = ['--model', model, ...source.loadArgs];
    let command;
    try {
      command = parseCli(argv);
    } catch (error) {
      if (error instanceof UsageError) throw new UsageError(`compare --models ${model}: ${error.message}`);
      throw error;
    }
    if (command.kind !== 'run') throw new UsageError(`compare: '${source.loadArgs.join(' ')}' is not a run's flags`);
    return { label: model, argv, command, expect: {} };
  });
  return { name: `models: ${source.models.join(', ')}`, description: null, file: null, runs };
}

/** `gunicorn --workers 4 --threads 50`: the model and its own flags, not the load's. */
function defaultLabel(entry: ScenarioEntry): string {
  const flags = (Object.keys(MODEL_FLAGS) as ModelField[])
    .filter((f) => f !== 'model' && entry.flags[f] !== undefined && entry.flags[f] !== false)
    .map((f) => (entry.flags[f] === true ? MODEL_FLAGS[f].flag : `${MODEL_FLAGS[f].flag} ${entry.flags[f]}`));
  return [String(entry.flags.model), ...flags].join(' ');
}

const quietFrontEnd: FrontEnd = { start() {}, async stop() {} };

async function execute(run: PlannedRun, counter: string, interactive: boolean): Promise<RunOutcome> {
  let frontEnd: FrontEnd = quietFrontEnd;
  if (interactive) {
    // Ink (and React) load only when a TUI is shown, as for a plain run.
    const { tuiFrontEnd } = await import('../frontend/tui.js');
    frontEnd = tuiFrontEnd();
  } else {
    // One line per entry: its start now, its end when it is done (a pipe gets the whole line).
    process.stderr.write(`${counter} ${sanitizeForTerminal(run.label)} … `);
  }
  const startedMs = Date.now();
  const { result, report } = await executeRun(run.command, frontEnd, interactive);
  const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
  if (!interactive) {
    const rate = report !== null && result.exitCode === 0 ? `, ${report.load.rps} req/s` : '';
    process.stderr.write(result.exitCode === 0 ? `${seconds} s${rate}\n` : isInterrupt(result.exitCode) ? 'interrupted\n' : `failed after ${seconds} s\n`);
  }
  printRunError(result);
  const checks = report === null || result.exitCode !== 0 ? [] : [...checkExpectations(run.expect, report), ...guardChecks(report)];
  const error = result.error ? result.error.message : report === null && result.exitCode !== 0 ? `exit ${result.exitCode}` : null;
  const summary = result.state.load.startedAtMs !== null ? renderReport(result.state, result, 'text') : null;
  return { run, report, checks, exitCode: result.exitCode, error, summary };
}

/** --max-… guards given with --models count like expectations: a breach fails the comparison. */
function guardChecks(report: JsonReport): ExpectationResult[] {
  return report.guards.map((g) => ({ name: g.guard, expected: `limit ${g.limit}`, actual: g.text, passed: !g.breached }));
}

function isInterrupt(code: number): boolean {
  return code >= 128;
}

/** An interrupt outranks a failed run, which outranks a failed expectation. */
function exitCode(outcomes: readonly RunOutcome[]): number {
  const interrupted = outcomes.find((o) => isInterrupt(o.exitCode));
  if (interrupted) return interrupted.exitCode;
  if (outcomes.some((o) => o.exitCode !== 0 || o.report === null)) return 1;
  return outcomes.some((o) => o.checks.some((c) => !c.passed)) ? 3 : 0;
}

function outcomeSummary(outcome: RunOutcome, index: number, total: number): string {
  if (outcome.summary === null) return '';
  const heading = total > 1 ? `── [${index + 1}/${total}] ${sanitizeForTerminal(outcome.run.label)} ──\n` : '';
  return heading + outcome.summary;
}

/** Every expectation, ✓ or ✗, with what was asked and what the run showed. */
function renderChecks(plan: Plan, outcomes: readonly RunOutcome[]): string {
  const lines = [`Expectations: ${sanitizeForTerminal(plan.name)}${plan.file ? ` (${sanitizeForTerminal(plan.file)})` : ''}`];
  const all = outcomes.flatMap((o) => o.checks);
  const nameWidth = Math.max(0, ...all.map((c) => c.name.length));
  const expectedWidth = Math.max(0, ...all.map((c) => c.expected.length));
  for (const [index, outcome] of outcomes.entries()) {
    lines.push(`  [${index + 1}/${outcomes.length}] ${sanitizeForTerminal(outcome.run.label)}`);
    if (outcome.error !== null || outcome.exitCode !== 0) lines.push(`    ✗ run failed: ${sanitizeForTerminal(outcome.error ?? `exit ${outcome.exitCode}`)}`);
    else if (outcome.checks.length === 0) lines.push('    (no expectations)');
    for (const c of outcome.checks) {
      lines.push(`    ${c.passed ? '✓' : '✗'} ${c.name.padEnd(nameWidth)}  expected ${c.expected.padEnd(expectedWidth)}  got ${sanitizeForTerminal(c.actual)}`);
    }
  }
  const failed = all.filter((c) => !c.passed).length;
  const runsFailed = outcomes.filter((o) => o.exitCode !== 0 || o.report === null).length;
  lines.push(
    `${all.length - failed} of ${all.length} expectation${all.length === 1 ? '' : 's'} held` +
      (failed > 0 ? `; ${failed} failed` : '') +
      (runsFailed > 0 ? `; ${runsFailed} run${runsFailed === 1 ? '' : 's'} failed` : '') +
      '.',
  );
  return lines.join('\n') + '\n';
}

/** Under the compare table: which expectations failed, since the pass column only counts them. */
function renderFailures(outcomes: readonly RunOutcome[]): string {
  const lines = outcomes.flatMap((o) =>
    o.checks.filter((c) => !c.passed).map((c) => `✗ ${sanitizeForTerminal(o.run.label)}: ${c.name} expected ${c.expected}, got ${sanitizeForTerminal(c.actual)}`),
  );
  return lines.length > 0 ? '\n' + lines.join('\n') + '\n' : '';
}

function jsonDocument(plan: Plan, outcomes: readonly RunOutcome[], passed: boolean) {
  return {
    scenario: { name: plan.name, description: plan.description, file: plan.file },
    entries: outcomes.map((o) => ({
      label: o.run.label,
      argv: o.run.argv,
      report: o.report,
      expectations: o.checks,
      error: o.error,
    })),
    passed,
  };
}

