import { describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli-options.js';
import { COMPARE_HELP, RUN_HELP, parseScenarioArgs } from '../../src/scenario/args.js';
import { UsageError } from '../../src/util/errors.js';

describe('parseCli hands run and compare to the scenario commands', () => {
  it.each([
    [['run', 's.yaml'], { kind: 'scenario', file: 's.yaml', json: false, tui: true }],
    [['run', 's.yaml', '--json'], { kind: 'scenario', file: 's.yaml', json: true, tui: false }],
    [['run', '--no-tui', 's.yaml'], { kind: 'scenario', file: 's.yaml', json: false, tui: false }],
    [['compare', 's.yaml'], { kind: 'compare', source: { file: 's.yaml' }, format: 'table' }],
    [['compare', 's.yaml', '--markdown'], { kind: 'compare', source: { file: 's.yaml' }, format: 'markdown' }],
    [['compare', '--json', 's.yaml'], { kind: 'compare', source: { file: 's.yaml' }, format: 'json' }],
    [
      ['compare', '--models', 'single,cluster', '-c', '200', '-n', '2000', '--delay', '1'],
      { kind: 'compare', source: { models: ['single', 'cluster'], loadArgs: ['-c', '200', '-n', '2000', '--delay', '1'] }, format: 'table' },
    ],
    [['compare', '--models=single', '--markdown', '-d', '3'], { kind: 'compare', source: { models: ['single'], loadArgs: ['-d', '3'] }, format: 'markdown' }],
  ])('%j', (argv, command) => {
    expect(parseCli(argv)).toEqual(command);
  });

  it('--help of each subcommand is its own', () => {
    expect(parseCli(['run', '--help'])).toEqual({ kind: 'help', text: RUN_HELP });
    expect(parseCli(['compare', '-h'])).toEqual({ kind: 'help', text: COMPARE_HELP });
  });

  it('a subcommand after an option is a usage error that says to put it first', () => {
    expect(() => parseCli(['--json', 'run', 's.yaml'])).toThrow(new UsageError("'run' comes first: watchload run FILE.yaml …"));
  });

  it('an unknown subcommand lists the commands', () => {
    expect(() => parseCli(['frobnicate'])).toThrow(/unknown command 'frobnicate' \(commands: models, run, compare, report, replay, docker build\)/);
  });
});

describe('parseScenarioArgs: bad input', () => {
  it.each([
    [['run'], 'run: which scenario? watchload run FILE.yaml'],
    [['run', 'a.yaml', 'b.yaml'], "run: one file at a time, got 'a.yaml' and 'b.yaml'"],
    [['run', 'a.yaml', '-c', '5'], "run: unknown option '-c': the runs' flags go in the file (watchload run FILE.yaml [--json] [--no-tui])"],
    [['compare'], 'compare: a scenario file or --models (watchload compare FILE.yaml, watchload compare --models single,cluster)'],
    [['compare', 'a.yaml', '-c', '5'], "compare a.yaml: unexpected '-c': the runs' flags go in the file"],
    [['compare', '-c', '5'], "compare: unknown option '-c' (load flags go with --models, or in the file)"],
    [['compare', 'a.yaml', '--json', '--markdown'], 'compare: --json or --markdown, not both'],
    [['compare', '--models'], 'compare: --models needs a list of models, e.g. --models single,cluster'],
    [['compare', '--models', '-c'], 'compare: --models needs a list of models, e.g. --models single,cluster'],
    [['compare', '--models', 'single,,cluster'], "compare: --models 'single,,cluster' has an empty name"],
    [['compare', 'a.yaml', '--models', 'single'], "compare: a file or --models, not both (got 'a.yaml')"],
    [['compare', '--models', 'single', '--model', 'cluster'], 'compare: --models names the models: drop --model'],
  ])('%j', (argv, message) => {
    expect(() => parseScenarioArgs(argv)).toThrow(new UsageError(message));
  });
});
