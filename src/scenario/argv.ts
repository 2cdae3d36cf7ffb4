import { parseCli, type CliCommand } from '../cli-options.js';
import { UsageError } from '../util/errors.js';
import { FLAGS, ScenarioError, type FlagField, type Scenario, type ScenarioEntry } from './schema.js';

export type RunCommand = Extract<CliCommand, { kind: 'run' }>;

/** An entry as the command line watchload would be given for it: `--model gunicorn --workers 4 …`. */
export function entryArgv(entry: ScenarioEntry): string[] {
  const argv: string[] = [];
  // --model first: it is what a reader looks for in a progress line or an error.
  const fields = (Object.keys(FLAGS) as FlagField[]).filter((f) => entry.flags[f] !== undefined);
  for (const field of fields) {
    const value = entry.flags[field]!;
    const { flag, kind } = FLAGS[field];
    if (kind === 'switch') {
      if (value === true) argv.push(flag);
    } else if (kind === 'negated') {
      if (value === false) argv.push(flag);
    } else if (kind === 'rate' && value === true) {
      argv.push(flag);
    } else {
      // `--flag=value`: a value that starts with "-" stays a value, not an option.
      argv.push(`${flag}=${String(value)}`);
    }
  }
  return argv;
}

/**
 * The run an entry stands for, validated by the command line's own parser (one set of rules
 * for flags and files); its complaint comes back as `file:line: entries[i].field: …`.
 */
export function entryCommand(scenario: Scenario, entry: ScenarioEntry): RunCommand {
  let command: CliCommand;
  try {
    command = parseCli(entryArgv(entry));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const field = fieldNamed(error.message, Object.keys(entry.flags) as FlagField[]);
    const origin = field === null ? null : entry.origins[field];
    const path = origin?.path ?? `entries[${entry.index}]`;
    throw new ScenarioError(scenario.file, origin?.line ?? entry.line, path, fieldMessage(error.message));
  }
  if (command.kind !== 'run') throw new ScenarioError(scenario.file, entry.line, `entries[${entry.index}]`, 'not a run');
  return command;
}

/**
 * Which of the entry's fields a parseCli message is about: the flag it names first
 * ("model 'single' has no workers: drop --workers" → workers; "--ramp sets the duration: drop -n" → ramp).
 */
export function fieldNamed(message: string, fields: readonly FlagField[]): FlagField | null {
  let best: { field: FlagField; at: number } | null = null;
  for (const field of fields) {
    const { flag, aliases = [] } = FLAGS[field];
    for (const spelling of [flag, ...aliases]) {
      const at = message.search(new RegExp(`(?<![\\w-])${spelling.replace(/[-]/g, '\\-')}(?![\\w-])`));
      if (at >= 0 && (best === null || at < best.at)) best = { field, at };
    }
  }
  if (best) return best.field;
  return /^unknown model\b/.test(message) && fields.includes('model') ? 'model' : null;
}

/** commander's "option '-c, --connections <n>' argument 'many' is invalid. expected …" said for a file field. */
export function fieldMessage(message: string): string {
  const match = /^option '[^']*' argument '(.*)' is invalid\. (.*)$/s.exec(message);
  if (!match) return message;
  const reason = match[2].replace(/\.$/, '');
  return `${reason.charAt(0).toLowerCase()}${reason.slice(1)}, got ${JSON.stringify(match[1])}`;
}
