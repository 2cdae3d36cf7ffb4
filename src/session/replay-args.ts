import { UsageError } from '../util/errors.js';

/** `watchload replay FILE.ndjson [--json | --no-tui]`, as typed. */
export type ReplayCliCommand =
  | { readonly kind: 'replay'; readonly file: string; readonly json: boolean; readonly tui: boolean }
  | { readonly kind: 'help'; readonly text: string };

export const REPLAY_HELP = `Usage: watchload replay FILE.ndjson [--json | --no-tui]

Replays a session recorded with --record FILE.ndjson: the same live view, fed by the recorded
events at their pace; no server is started.

Keys: space play/pause, + / - (or ] / [) speed 0.5× 1× 2× 5× 10×, ← / → seek 5 s, q quit.

Options:
  --json      print only the JSON report of the recorded run (what its --json printed)
  --no-tui    no live view: print the run's text summary
  -h, --help  show this help

Exit codes: 0 replayed, 2 usage error or a file that is not a recording (or of another version).
A recording cut short (the run was killed) replays up to where it ends, with a warning.
`;

/** True when argv is the replay subcommand; parseCli hands it here before commander sees it. */
export function isReplayCommand(argv: readonly string[]): boolean {
  return argv[0] === 'replay';
}

/** Parses `replay …` (argv without node and script); throws UsageError. */
export function parseReplayArgs(argv: readonly string[]): ReplayCliCommand {
  const args = argv.slice(1);
  if (args.includes('-h') || args.includes('--help')) return { kind: 'help', text: REPLAY_HELP };
  let file: string | null = null;
  let json = false;
  let tui = true;
  for (const arg of args) {
    if (arg === '--json') json = true;
    else if (arg === '--no-tui') tui = false;
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`replay: unknown option '${arg}' (watchload replay FILE.ndjson [--json | --no-tui])`);
    else if (file === null) file = arg;
    else throw new UsageError(`replay: one file at a time, got '${file}' and '${arg}'`);
  }
  if (file === null) throw new UsageError('replay: which recording? watchload replay FILE.ndjson');
  return { kind: 'replay', file, json, tui: tui && !json };
}
