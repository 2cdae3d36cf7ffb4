import { parseCli, type CliCommand } from './cli-options.js';
import { allModels } from './models/registry.js';
import { renderModelList } from './models/listing.js';
import { probeHost } from './models/requirements.js';
import { runSession, type FrontEnd, type SessionResult } from './session/run.js';
import { INITIAL_STATE } from './session/store.js';
import { headlessFrontEnd } from './frontend/headless.js';
import { renderReport } from './report/render.js';
import { buildJsonReport, type JsonReport } from './report/json.js';
import { sanitizeForTerminal } from './util/sanitize.js';
import { removeStaleRunDirs } from './util/run-dirs.js';
import { RuntimeError, UsageError } from './util/errors.js';
import type { PreparedDocker } from './docker/prepare.js';

function printModels(): string {
  const models = allModels();
  return renderModelList(models, probeHost(models.flatMap((m) => m.needs ?? [])));
}

/**
 * A warning the run raises while it goes on (a recording stopped: the disk is full): the live
 * view shows it as it comes; stderr prints every one at the end.
 */
export interface RunNotices {
  getNotice(): string | null;
  subscribe(listener: () => void): () => void;
  add(text: string): void;
  all(): readonly string[];
}

export function runNotices(): RunNotices {
  const texts: string[] = [];
  const listeners = new Set<() => void>();
  return {
    getNotice: () => texts.at(-1) ?? null,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    add(text) {
      texts.push(text);
      for (const listener of listeners) listener();
    },
    all: () => texts,
  };
}

async function chooseFrontEnd(command: Extract<CliCommand, { kind: 'run' }>, notices: RunNotices): Promise<{ frontEnd: FrontEnd; interactive: boolean }> {
  // A live view needs a terminal both ways: with stdin not one (`< /dev/null`, a cron job
  // with a pty) no key can quit the view it holds after the load, so the run goes headless.
  const interactive = command.tui && !command.json && process.stdout.isTTY === true && process.stdin.isTTY === true && !process.env.CI;
  if (!interactive) {
    const write = (line: string) => process.stderr.write(line + '\n');
    // Headless, a warning is a line among the status lines, when it happens (and again at the end).
    notices.subscribe(() => write(`watchload: ${sanitizeForTerminal(notices.getNotice() ?? '')}`));
    return { frontEnd: headlessFrontEnd(write), interactive };
  }
  // Ink (and React) load only when a TUI is shown: --json and CI runs never pay for them.
  const { tuiFrontEnd } = await import('./frontend/tui.js');
  return { frontEnd: tuiFrontEnd({ color: command.color, notice: notices }), interactive };
}

/** Runs the command line; returns the process exit code. Never throws. */
export async function main(argv: readonly string[]): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCli(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`watchload: ${error.message} (see watchload --help)\n`);
      return 2;
    }
    throw error;
  }
  if (command.kind === 'help') {
    process.stdout.write(command.text);
    return 0;
  }
  if (command.kind === 'models') {
    process.stdout.write(printModels());
    return 0;
  }
  if (command.kind === 'scenario' || command.kind === 'compare') {
    // Loaded only for these commands (the YAML parser is no cost of a plain run); it calls back executeRun.
    const { runScenarioCommand } = await import('./scenario/command.js');
    return runScenarioCommand(command);
  }
  if (command.kind === 'replay') {
    const { runReplayCommand } = await import('./frontend/replay-command.js');
    return runReplayCommand(command);
  }
  if (command.kind === 'docker-build') {
    const { runDockerBuildCommand } = await import('./docker/build-command.js');
    return runDockerBuildCommand({ force: command.force });
  }
  if (command.kind === 'report') {
    const { runReportCommand } = await import('./report/command.js');
    return runReportCommand(command);
  }

  // What a run killed with SIGKILL could not remove (nginx's prefix, PostgreSQL's cluster).
  for (const dir of removeStaleRunDirs()) process.stderr.write(`watchload: removed ${dir}, left by an earlier run that was killed\n`);
  const notices = runNotices();
  const { frontEnd, interactive } = await chooseFrontEnd(command, notices);
  const { result, report } = await executeRun(command, frontEnd, interactive, { onWarning: (text) => notices.add(text) });

  if (command.json) {
    if (report) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else if (result.state.load.startedAtMs !== null) {
    process.stdout.write(renderReport(result.state, result, 'text'));
  }
  printRunError(result);
  printBrokenGuards(report);
  for (const text of notices.all()) process.stderr.write(`watchload: ${sanitizeForTerminal(text)}\n`);
  // --report: written from the final state, after the summary; failing to write it fails the run.
  const reportExit = command.reportFile ? await (await import('./report/command.js')).writeRunReport(command.reportFile, result.state, result) : 0;
  const exitCode = runExitCode(result, report);
  return exitCode === 0 ? reportExit : exitCode;
}

/** Each limit the run broke, one line on stderr: what CI logs show. */
export function printBrokenGuards(report: JsonReport | null): void {
  for (const guard of report?.guards ?? []) if (guard.breached) process.stderr.write(`watchload: guard broken: ${guard.text}\n`);
}

export type RunCommand = Extract<CliCommand, { kind: 'run' }>;

export interface RunHooks {
  /**
   * A warning raised while the run goes on: `recording stopped at 12.3 s: no space left on
   * device (FILE); the run went on`. Raw text (sanitize before printing). Default: stderr at once.
   */
  readonly onWarning?: (text: string) => void;
}

/**
 * One run of a model, start to end, with the front end given; the report is null when the
 * session never started. Shared by a plain run, `watchload run` and `compare`.
 */
export async function executeRun(
  command: RunCommand,
  frontEnd: FrontEnd,
  interactive: boolean,
  hooks: RunHooks = {},
): Promise<{ result: SessionResult; report: JsonReport | null }> {
  // --record: opened before the run (a path that cannot be written fails at once: exit 1),
  // closed after its last event. A write that fails during the run (the disk fills) stops
  // the recording with a warning; the run goes on and ends with its own exit code.
  const { openRecorder, recordingStopText } = await import('./session/recorder.js');
  const warn = hooks.onWarning ?? ((text: string) => process.stderr.write(`watchload: ${sanitizeForTerminal(text)}\n`));
  let recorder: ReturnType<typeof openRecorder> | null = null;
  let docker: PreparedDocker | null = null;
  try {
    recorder = command.record ? openRecorder(command.record, { onStop: (stop) => warn(recordingStopText(stop)) }) : null;
    // --docker: the engine, the orphans a killed run left, the image (built once, with progress), before any UI.
    if (command.docker) {
      const { prepareDocker } = await import('./docker/prepare.js');
      docker = await prepareDocker(command.docker, (line) => process.stderr.write(`watchload: ${line}\n`));
    }
  } catch (error) {
    await recorder?.close();
    return { result: { state: INITIAL_STATE, reason: 'error', exitCode: 1, error: error as Error, command: [], url: null }, report: null };
  }
  const ran = await runSession(
    {
      config: command.config,
      model: command.model,
      port: command.port,
      host: '127.0.0.1',
      requestTimeoutS: command.requestTimeoutS,
      readyTimeoutMs: command.readyTimeoutS * 1000,
      holdAfterLoad: interactive,
      publishMs: interactive ? 250 : 1_000,
      onEvent: recorder?.write,
      docker,
    },
    frontEnd,
  );
  await recorder?.close();
  const report = ran.state.config ? buildJsonReport(ran.state, ran) : null;
  return { result: ran, report };
}

/** The run's error, on stderr: one line, then the server's last words. */
export function printRunError(result: SessionResult): void {
  if (!result.error) return;
  process.stderr.write(`watchload: ${sanitizeForTerminal(result.error.message)}\n`);
  const details = result.error instanceof RuntimeError ? result.error.details : [];
  for (const line of details.slice(-8)) process.stderr.write(`  | ${sanitizeForTerminal(line)}\n`);
}

/** 0 done, 1 runtime failure, 3 a guard broke (a failure outranks a breach), 130… interrupted. */
export function runExitCode(result: SessionResult, report: JsonReport | null): number {
  if (result.exitCode !== 0) return result.exitCode;
  return report !== null && report.guards.some((g) => g.breached) ? 3 : 0;
}
