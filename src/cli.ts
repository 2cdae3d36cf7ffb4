import { parseCli, type CliCommand } from './cli-options.js';
import { allModels } from './models/registry.js';
import { renderModelList } from './models/listing.js';
import { probeHost } from './models/requirements.js';
import { runSession, type FrontEnd } from './session/run.js';
import { headlessFrontEnd } from './frontend/headless.js';
import { renderReport } from './report/render.js';
import { sanitizeForTerminal } from './util/sanitize.js';
import { removeStaleRunDirs } from './util/run-dirs.js';
import { RuntimeError, UsageError } from './util/errors.js';

function printModels(): string {
  const models = allModels();
  return renderModelList(models, probeHost(models.flatMap((m) => m.needs ?? [])));
}

async function chooseFrontEnd(command: Extract<CliCommand, { kind: 'run' }>): Promise<{ frontEnd: FrontEnd; interactive: boolean }> {
  const interactive = command.tui && !command.json && process.stdout.isTTY === true && !process.env.CI;
  if (!interactive) return { frontEnd: headlessFrontEnd((line) => process.stderr.write(line + '\n')), interactive };
  // Ink (and React) load only when a TUI is shown: --json and CI runs never pay for them.
  const { tuiFrontEnd } = await import('./frontend/tui.js');
  return { frontEnd: tuiFrontEnd(), interactive };
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

  // What a run killed with SIGKILL could not remove (nginx's prefix, PostgreSQL's cluster).
  for (const dir of removeStaleRunDirs()) process.stderr.write(`watchload: removed ${dir}, left by an earlier run that was killed\n`);
  const { frontEnd, interactive } = await chooseFrontEnd(command);
  const result = await runSession(
    {
      config: command.config,
      model: command.model,
      port: command.port,
      host: '127.0.0.1',
      requestTimeoutS: command.requestTimeoutS,
      readyTimeoutMs: command.readyTimeoutS * 1000,
      holdAfterLoad: interactive,
      publishMs: interactive ? 250 : 1_000,
    },
    frontEnd,
  );

  const ranLoad = result.state.load.startedAtMs !== null;
  if (command.json) {
    if (result.state.config) process.stdout.write(renderReport(result.state, result, 'json'));
  } else if (ranLoad) {
    process.stdout.write(renderReport(result.state, result, 'text'));
  }
  if (result.error) {
    process.stderr.write(`watchload: ${sanitizeForTerminal(result.error.message)}\n`);
    const details = result.error instanceof RuntimeError ? result.error.details : [];
    for (const line of details.slice(-8)) process.stderr.write(`  | ${sanitizeForTerminal(line)}\n`);
  }
  return result.exitCode;
}
