import { UsageError } from '../util/errors.js';

/** `watchload run FILE.yaml` and `watchload compare …`, as typed; the flags of each run are checked later, by parseCli. */
export type ScenarioCliCommand =
  | { readonly kind: 'scenario'; readonly file: string; readonly json: boolean; readonly tui: boolean }
  | { readonly kind: 'compare'; readonly source: CompareSource; readonly format: CompareFormat }
  | { readonly kind: 'help'; readonly text: string };

/** A file, or models given on the command line with the load flags they share. */
export type CompareSource = { readonly file: string } | { readonly models: readonly string[]; readonly loadArgs: readonly string[] };

export type CompareFormat = 'table' | 'markdown' | 'json';

export const RUN_HELP = `Usage: watchload run FILE.yaml [--json] [--no-tui]

Runs each entry of a scenario file in turn, then lists every expectation with ✓ or ✗.
A one-entry scenario shows the live view in a terminal; otherwise one line per entry on stderr.

Options:
  --json      print only a JSON document on stdout: {scenario, entries: [{label, report, expectations}], passed}
  --no-tui    no live view: one line per entry on stderr
  -h, --help  show this help

Exit codes: 0 every expectation held, 1 a run failed, 2 usage error or bad file, 3 an expectation failed, 130 interrupted.
`;

export const COMPARE_HELP = `Usage: watchload compare FILE.yaml [--markdown | --json]
       watchload compare --models a,b,c [load flags: -c 200 -n 2000 --delay 1 …] [--markdown | --json]

Runs each entry (or model) in turn without the live view, then prints one table: req/s, the
ideal (connections / delay, closed loop) and the efficiency, p50, p99, failed requests,
processes before / during the load, the most threads in one process, the insights, and
whether the file's expectations held.

Options:
  --models <list>  models to compare, comma-separated, instead of a file
  --markdown       the table in Markdown
  --json           a JSON document on stdout instead of the table
  -h, --help       show this help

Exit codes: 0 every expectation held, 1 a run failed, 2 usage error or bad file, 3 an expectation failed, 130 interrupted.
`;

/** True when argv is a scenario subcommand; parseCli hands it here before commander sees it. */
export function isScenarioCommand(argv: readonly string[]): boolean {
  return argv[0] === 'run' || argv[0] === 'compare';
}

/** Parses `run …` / `compare …` (argv without node and script); throws UsageError. */
export function parseScenarioArgs(argv: readonly string[]): ScenarioCliCommand {
  const [subcommand, ...rest] = argv;
  if (rest.includes('-h') || rest.includes('--help')) return { kind: 'help', text: subcommand === 'run' ? RUN_HELP : COMPARE_HELP };
  return subcommand === 'run' ? parseRun(rest) : parseCompare(rest);
}

function parseRun(args: readonly string[]): ScenarioCliCommand {
  let file: string | null = null;
  let json = false;
  let tui = true;
  for (const arg of args) {
    if (arg === '--json') json = true;
    else if (arg === '--no-tui') tui = false;
    else if (!arg.startsWith('-') && file === null) file = arg;
    else if (arg.startsWith('-')) throw new UsageError(`run: unknown option '${arg}': the runs' flags go in the file (watchload run FILE.yaml [--json] [--no-tui])`);
    else throw new UsageError(`run: one file at a time, got '${file}' and '${arg}'`);
  }
  if (file === null) throw new UsageError('run: which scenario? watchload run FILE.yaml');
  return { kind: 'scenario', file, json, tui: tui && !json };
}

function parseCompare(args: readonly string[]): ScenarioCliCommand {
  let format: CompareFormat = 'table';
  let models: string[] | null = null;
  const others: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--json' || arg === '--markdown') {
      const wanted = arg === '--json' ? 'json' : 'markdown';
      if (format !== 'table' && format !== wanted) throw new UsageError('compare: --json or --markdown, not both');
      format = wanted;
    } else if (arg === '--models' || arg.startsWith('--models=')) {
      const value = arg === '--models' ? args[++i] : arg.slice('--models='.length);
      if (value === undefined || value.startsWith('-')) throw new UsageError('compare: --models needs a list of models, e.g. --models single,cluster');
      models = [...(models ?? []), ...value.split(',').map((m) => m.trim())];
      if (models.some((m) => m === '')) throw new UsageError(`compare: --models '${value}' has an empty name`);
    } else {
      others.push(arg);
    }
  }
  if (models !== null) {
    if (others[0] !== undefined && !others[0].startsWith('-')) throw new UsageError(`compare: a file or --models, not both (got '${others[0]}')`);
    if (others.some((a) => a === '--model' || a.startsWith('--model='))) throw new UsageError('compare: --models names the models: drop --model');
    return { kind: 'compare', source: { models, loadArgs: others }, format };
  }
  if (others.length === 0) throw new UsageError('compare: a scenario file or --models (watchload compare FILE.yaml, watchload compare --models single,cluster)');
  const [file, ...extra] = others;
  if (file.startsWith('-')) throw new UsageError(`compare: unknown option '${file}' (load flags go with --models, or in the file)`);
  if (extra.length > 0) throw new UsageError(`compare ${file}: unexpected '${extra[0]}': the runs' flags go in the file`);
  return { kind: 'compare', source: { file }, format };
}
