import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScenario, readScenarioFile } from '../../src/scenario/parse.js';
import { MAX_SCENARIO_BYTES, ScenarioError } from '../../src/scenario/schema.js';
import { UsageError } from '../../src/util/errors.js';

const GOOD = `# the tutorial, two setups
name: tutorial
description: two of the tutorial's setups
load:
  connections: 200
  requests: 2000
  delay: 1
  keepalive: false
entries:
  - model: gunicorn
    label: gunicorn 4 x 50
    workers: 4
    threads: 50
    expect:
      processesBeforeLoad: 5
      rps: { gte: 120, lt: 201 }
      insight: [prefork, on-demand]
      noInsight: thread-explosion
  - model: uwsgi-gevent
    asyncCores: 2000
    db: postgres
    psycogreen: true
    connections: 5
    duration: 3
    rate: 20
`;

function errorOf(text: string): string {
  try {
    parseScenario(text, 'x.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    expect(error).toBeInstanceOf(UsageError); // exit 2, one line
    return (error as Error).message;
  }
  throw new Error('expected a ScenarioError');
}

describe('parseScenario: a good file', () => {
  const scenario = parseScenario(GOOD, 'scenarios/tutorial.yaml');

  it('reads the name, description and one entry per item', () => {
    expect(scenario.file).toBe('scenarios/tutorial.yaml');
    expect(scenario.name).toBe('tutorial');
    expect(scenario.description).toBe("two of the tutorial's setups");
    expect(scenario.entries).toHaveLength(2);
    expect(scenario.entries.map((e) => e.line)).toEqual([10, 19]);
  });

  it('merges the shared load into each entry; the entry wins', () => {
    expect(scenario.entries[0].flags).toEqual({ model: 'gunicorn', workers: 4, threads: 50, connections: 200, requests: 2000, delay: 1, keepalive: false });
    expect(scenario.entries[0].label).toBe('gunicorn 4 x 50');
    expect(scenario.entries[1].flags).toMatchObject({ model: 'uwsgi-gevent', asyncCores: 2000, db: 'postgres', psycogreen: true, connections: 5, rate: 20, delay: 1 });
    expect(scenario.entries[1].label).toBeNull();
  });

  it('an entry that says how much load drops the shared requests (-n and -d exclude each other)', () => {
    expect(scenario.entries[1].flags.duration).toBe(3);
    expect(scenario.entries[1].flags.requests).toBeUndefined();
  });

  it('a ramp of connections in an entry drops the shared connections; a ramp of the rate keeps them', () => {
    const text = `name: r\nload:\n  connections: 50\n  requests: 10\nentries:\n  - model: single\n    ramp: "1:5,1:10"\n  - model: single\n    rate: true\n    ramp: "1:5,1:10"\n`;
    const [connections, rate] = parseScenario(text, 'r.yaml').entries;
    expect(connections.flags).toEqual({ model: 'single', ramp: '1:5,1:10' });
    expect(rate.flags).toEqual({ model: 'single', connections: 50, rate: true, ramp: '1:5,1:10' });
  });

  it('remembers where each flag was written, for errors found later', () => {
    expect(scenario.entries[0].origins.connections).toEqual({ path: 'load.connections', line: 5 });
    expect(scenario.entries[0].origins.workers).toEqual({ path: 'entries[0].workers', line: 12 });
    expect(scenario.entries[1].origins.connections).toEqual({ path: 'entries[1].connections', line: 23 });
  });

  it('reads expectations: a number is equality, a map is bounds, kinds as a list or one', () => {
    expect(scenario.entries[0].expect).toEqual({
      processesBeforeLoad: { eq: 5 },
      rps: { gte: 120, lt: 201 },
      insight: ['prefork', 'on-demand'],
      noInsight: ['thread-explosion'],
    });
    expect(scenario.entries[1].expect).toEqual({});
  });
});

describe('parseScenario: every error is one line naming file, line and field', () => {
  it.each([
    // YAML itself
    ['name: x\nentries: [\n', /^x\.yaml:3: Flow sequence in block collection must be sufficiently indented and end with a \]$/],
    ['name: x\nname: y\nentries: []\n', /^x\.yaml:2: Map keys must be unique$/],
    ['name: x\nentries:\n\t- model: single\n', /^x\.yaml:3: Tabs are not allowed as indentation/],
    ['name: x\n---\nname: y\n', /^x\.yaml:2: Source contains multiple documents/],
    // plain YAML only
    ['name: !foo x\nentries: []\n', /^x\.yaml:1: Unresolved tag: !foo$/],
    ['name: !!str x\nentries:\n  - model: single\n', /^x\.yaml:1: tag tag:yaml\.org,2002:str: tags are not supported \(plain YAML only\)$/],
    ['name: x\nload: &l\n  delay: 1\nentries:\n  - model: single\n', /^x\.yaml:2: anchor &l: anchors and aliases are not supported/],
    ['name: !!map\n  a: 1\nentries:\n  - model: single\n', /^x\.yaml:1: tag tag:yaml\.org,2002:map: tags are not supported/],
    ['name: x\nentries:\n  - model: single\n    delay: *d\n', /^x\.yaml:4: alias \*d: anchors and aliases are not supported/],
    // the top level
    ['', /^x\.yaml:1: expected a map with name and entries$/],
    ['- model: single\n', /^x\.yaml:1: expected a map with name and entries$/],
    ['entries:\n  - model: single\n', /^x\.yaml:1: name: missing: every scenario has a name$/],
    ['name: x\n', /^x\.yaml:1: entries: missing: a list of runs/],
    ['name: x\nentries: []\n', /^x\.yaml:2: entries: expected a list of at least one run, got a list$/],
    ['name: x\nentries: single\n', /^x\.yaml:2: entries: expected a list of at least one run, got "single"$/],
    ['name: [x]\nentries:\n  - model: single\n', /^x\.yaml:1: name: expected text, got a list$/],
    ['name: x\ndescripton: y\nentries:\n  - model: single\n', /^x\.yaml:2: descripton: unknown field \(did you mean description\?\); fields here: name, description, load, entries$/],
    ['name: x\n3: y\nentries:\n  - model: single\n', /^x\.yaml:2: expected a field name, got 3$/],
    // the shared load
    ['name: x\nload: 5\nentries:\n  - model: single\n', /^x\.yaml:2: load: expected a map of load settings/],
    ['name: x\nload:\n  workers: 4\nentries:\n  - model: single\n', /^x\.yaml:3: load\.workers: unknown field; fields here: connections, requests/],
    // entries
    ['name: x\nentries:\n  - single\n', /^x\.yaml:3: entries\[0\]: expected a run \(a map with model, its flags, the load, expect\), got "single"$/],
    ['name: x\nentries:\n  - model: single\n  -\n', /^x\.yaml:4: entries\[1\]: expected a run \(a map with model, its flags, the load, expect\), got nothing$/],
    ['name: x\nentries:\n  - model: single\n  - workers: 4\n', /^x\.yaml:4: entries\[1\]\.model: missing: which model to run$/],
    ['name: x\nentries:\n  - model: single\n    conections: 5\n', /^x\.yaml:4: entries\[0\]\.conections: unknown field \(did you mean connections\?\)/],
    ['name: x\nentries:\n  - model: single\n    async_cores: 5\n', /^x\.yaml:4: entries\[0\]\.async_cores: unknown field \(did you mean asyncCores\?\)/],
    ['name: x\nentries:\n  - model: single\n    connections: [1, 2]\n', /^x\.yaml:4: entries\[0\]\.connections: expected a value, got a list$/],
    ['name: x\nentries:\n  - model: single\n    connections:\n', /^x\.yaml:4: entries\[0\]\.connections: expected a value, got nothing$/],
    ['name: x\nentries:\n  - model: uwsgi-gevent\n    psycogreen: yes\n', /^x\.yaml:4: entries\[0\]\.psycogreen: expected true or false, got "yes"$/],
    ['name: x\nentries:\n  - model: single\n    rate: false\n', /^x\.yaml:4: entries\[0\]\.rate: expected requests per second \(or true, with ramp\), got false$/],
    ['name: x\nentries:\n  - model: single\n    label: 5\n', /^x\.yaml:4: entries\[0\]\.label: expected text, got 5$/],
    // expectations
    ['name: x\nentries:\n  - model: single\n    expect: 5\n', /^x\.yaml:4: entries\[0\]\.expect: expected a map of expectations/],
    ['name: x\nentries:\n  - model: single\n    expect:\n      maxThreads: 5\n', /^x\.yaml:5: entries\[0\]\.expect\.maxThreads: unknown field; fields here: processesBeforeLoad/],
    ['name: x\nentries:\n  - model: single\n    expect:\n      rps: many\n', /^x\.yaml:5: entries\[0\]\.expect\.rps: expected a number, got "many"$/],
    ['name: x\nentries:\n  - model: single\n    expect:\n      rps: {}\n', /^x\.yaml:5: entries\[0\]\.expect\.rps: expected at least one of lte, gte, lt, gt$/],
    ['name: x\nentries:\n  - model: single\n    expect:\n      rps: { gte: 1, le: 5 }\n', /^x\.yaml:5: entries\[0\]\.expect\.rps\.le: unknown field \(did you mean lte\?\)/],
    ['name: x\nentries:\n  - model: single\n    expect:\n      rps:\n        gte: "1"\n', /^x\.yaml:6: entries\[0\]\.expect\.rps\.gte: expected a number, got "1"$/],
    ['name: x\nentries:\n  - model: single\n    expect:\n      rps: { gte: 5, lte: 1 }\n', /^x\.yaml:5: entries\[0\]\.expect\.rps: no number satisfies these bounds$/],
    ['name: x\nentries:\n  - model: single\n    expect:\n      rps: { gt: 5, lte: 5 }\n', /^x\.yaml:5: entries\[0\]\.expect\.rps: no number satisfies these bounds$/],
    ['name: x\nentries:\n  - model: single\n    expect:\n      insight: prefrok\n', /^x\.yaml:5: entries\[0\]\.expect\.insight: unknown insight kind "prefrok" \(did you mean prefork\?\); kinds: prefork, on-demand/],
    ['name: x\nentries:\n  - model: single\n    expect:\n      noInsight:\n        - flat\n        - 5\n', /^x\.yaml:7: entries\[0\]\.expect\.noInsight\[1\]: expected an insight kind/],
    ['name: x\nentries:\n  - model: single\n    expect:\n      insight: []\n', /^x\.yaml:5: entries\[0\]\.expect\.insight: expected at least one insight kind$/],
  ])('%j', (text, message) => {
    const error = errorOf(text);
    expect(error).toMatch(message);
    expect(error).not.toContain('\n');
  });

  it('a ≥ b and ≤ b together is b exactly: allowed', () => {
    const scenario = parseScenario('name: x\nentries:\n  - model: single\n    expect:\n      rps: { gte: 5, lte: 5 }\n', 'x.yaml');
    expect(scenario.entries[0].expect.rps).toEqual({ gte: 5, lte: 5 });
  });

  it('refuses text over the size limit', () => {
    expect(errorOf('#'.repeat(MAX_SCENARIO_BYTES + 1))).toBe(`x.yaml: a scenario file is at most ${MAX_SCENARIO_BYTES} bytes`);
  });
});

describe('readScenarioFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scenario-parse-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads and validates a file', () => {
    writeFileSync(join(dir, 'ok.yaml'), GOOD);
    expect(readScenarioFile(join(dir, 'ok.yaml')).entries).toHaveLength(2);
  });

  it('a missing file is one line', () => {
    expect(() => readScenarioFile(join(dir, 'nope.yaml'))).toThrow(new ScenarioError(join(dir, 'nope.yaml'), null, null, 'no such file'));
  });

  it('a file over 1 MB is refused before it is read', () => {
    writeFileSync(join(dir, 'big.yaml'), Buffer.alloc(MAX_SCENARIO_BYTES + 10, 0x23));
    expect(() => readScenarioFile(join(dir, 'big.yaml'))).toThrow(/big\.yaml: 1048586 bytes: a scenario file is at most 1048576 bytes$/);
  });

  it('a directory is one line too', () => {
    expect(() => readScenarioFile(dir)).toThrow(/: a directory, not a scenario file$/);
  });
});
