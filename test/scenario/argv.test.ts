import { describe, expect, it } from 'vitest';
import { entryArgv, entryCommand, fieldMessage, fieldNamed } from '../../src/scenario/argv.js';
import { parseScenario } from '../../src/scenario/parse.js';
import { ScenarioError } from '../../src/scenario/schema.js';

const entriesOf = (text: string) => parseScenario(text, 's.yaml');

describe('entryArgv: an entry as the command line watchload takes', () => {
  it.each([
    ['model: single', ['--model=single']],
    ['model: gunicorn\n    workers: 4\n    threads: 50', ['--model=gunicorn', '--workers=4', '--threads=50']],
    ['model: uwsgi-gevent\n    asyncCores: 2000\n    db: postgres\n    psycogreen: true', ['--model=uwsgi-gevent', '--async-cores=2000', '--db=postgres', '--psycogreen']],
    ['model: gevent\n    psycogreen: false', ['--model=gevent']],
    ['model: cluster\n    proxy: nginx', ['--model=cluster', '--proxy=nginx']],
    ['model: single\n    connections: 5\n    requests: 10\n    delay: 0.5', ['--model=single', '--connections=5', '--requests=10', '--delay=0.5']],
    ['model: single\n    duration: 3\n    rate: 200\n    loadWorkers: 2', ['--model=single', '--duration=3', '--rate=200', '--load-workers=2']],
    ['model: single\n    rate: true\n    ramp: "5:100,5:200"', ['--model=single', '--rate', '--ramp=5:100,5:200']],
    ['model: single\n    keepalive: false\n    interval: 100\n    timeout: 5', ['--model=single', '--no-keepalive', '--interval=100', '--timeout=5']],
    ['model: single\n    keepalive: true', ['--model=single']],
    // A value starting with "-" stays the flag's value, for parseCli to refuse.
    ['model: single\n    delay: -1', ['--model=single', '--delay=-1']],
  ])('%s', (yaml, argv) => {
    const scenario = entriesOf(`name: a\nentries:\n  - ${yaml}\n`);
    expect(entryArgv(scenario.entries[0])).toEqual(argv);
  });

  it('puts the shared load in each entry', () => {
    const scenario = entriesOf('name: a\nload:\n  connections: 200\n  requests: 2000\n  delay: 1\nentries:\n  - model: flask-dev\n    connections: 5\n    requests: 10\n  - model: uwsgi\n');
    expect(scenario.entries.map(entryArgv)).toEqual([
      ['--model=flask-dev', '--connections=5', '--requests=10', '--delay=1'],
      ['--model=uwsgi', '--connections=200', '--requests=2000', '--delay=1'],
    ]);
  });
});

describe('entryCommand: validated by parseCli', () => {
  it('gives the run a plain command line would', () => {
    const scenario = entriesOf('name: a\nload:\n  connections: 20\n  requests: 400\n  delay: 0.1\nentries:\n  - model: gunicorn\n    workers: 3\n    threads: 4\n    keepalive: false\n');
    const command = entryCommand(scenario, scenario.entries[0]);
    expect(command.kind).toBe('run');
    expect(command.model.name).toBe('gunicorn');
    expect(command.config).toMatchObject({ workers: 3, threads: 4, connections: 20, requests: 400, durationS: null, delayS: 0.1, keepAlive: false });
  });

  it.each([
    // a flag's own value
    ['name: a\nentries:\n  - model: cluster\n    connections: many\n', 's.yaml:4: entries[0].connections: expected a whole number from 1 to 10000, got "many"'],
    ['name: a\nentries:\n  - model: cluster\n    delay: -1\n', 's.yaml:4: entries[0].delay: expected seconds from 0 to 600, got "-1"'],
    ['name: a\nentries:\n  - model: cluster\n    proxy: apache\n', 's.yaml:4: entries[0].proxy: allowed choices are nginx, got "apache"'],
    ['name: a\nentries:\n  - model: cluster\n    ramp: "soon"\n', /^s\.yaml:4: entries\[0\]\.ramp: .*got "soon"$/],
    // the model
    ['name: a\nentries:\n  - model: nope\n', /^s\.yaml:3: entries\[0\]\.model: unknown model 'nope' \(valid: cluster, single/],
    ['name: a\nentries:\n  - model: single\n    workers: 2\n', "s.yaml:4: entries[0].workers: model 'single' has no workers: drop --workers"],
    ['name: a\nentries:\n  - model: gunicorn\n    psycogreen: true\n', /^s\.yaml:4: entries\[0\]\.psycogreen: model 'gunicorn' does not run on gevent/],
    ['name: a\nentries:\n  - model: gevent\n    psycogreen: true\n', 's.yaml:4: entries[0].psycogreen: --psycogreen patches psycopg2: add --db postgres'],
    // combinations, the shared load included: the line is where the named value was written
    ['name: a\nload:\n  requests: 10\nentries:\n  - model: single\n    loadWorkers: 20\n', 's.yaml:6: entries[0].loadWorkers: --load-workers 20 needs at least as many requests, got -n 10'],
    ['name: a\nload:\n  requests: 10\n  duration: 5\nentries:\n  - model: single\n', 's.yaml:3: load.requests: give -n/--requests or -d/--duration, not both'],
    ['name: a\nload:\n  connections: 10\nentries:\n  - model: single\n    rate: true\n', 's.yaml:6: entries[0].rate: --rate needs requests per second (e.g. --rate 200), or --ramp to step the rate'],
  ])('%j', (text, message) => {
    const scenario = entriesOf(text);
    let thrown: unknown = null;
    try {
      entryCommand(scenario, scenario.entries[0]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ScenarioError);
    if (typeof message === 'string') expect((thrown as Error).message).toBe(message);
    else expect((thrown as Error).message).toMatch(message);
  });
});

describe('fieldNamed: which field a parseCli message is about', () => {
  it.each([
    ["option '-c, --connections <n>' argument 'x' is invalid. expected a whole number", ['model', 'connections', 'delay'], 'connections'],
    ['give -n/--requests or -d/--duration, not both', ['model', 'duration', 'requests'], 'requests'],
    ['--ramp sets the duration (30 s): drop -n', ['model', 'requests', 'ramp'], 'ramp'],
    ["model 'single' has no workers: drop --workers", ['model', 'workers'], 'workers'],
    ["unknown model 'x' (valid: a, b)", ['model', 'connections'], 'model'],
    // -d inside --delay or --duration is not -d
    ['--delay is too long', ['model', 'duration', 'delay'], 'delay'],
    ['something else entirely', ['model', 'connections'], null],
  ] as const)('%s → %s', (message, fields, field) => {
    expect(fieldNamed(message, fields)).toBe(field);
  });
});

describe('fieldMessage', () => {
  it("turns commander's option wording into the file's", () => {
    expect(fieldMessage("option '--interval <ms>' argument '5' is invalid. expected a whole number from 20 to 60000")).toBe('expected a whole number from 20 to 60000, got "5"');
  });
  it('leaves other messages as they are', () => {
    expect(fieldMessage('--psycogreen patches psycopg2: add --db postgres')).toBe('--psycogreen patches psycopg2: add --db postgres');
  });
});
