import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { entryCommand } from '../../src/scenario/argv.js';
import { readScenarioFile } from '../../src/scenario/parse.js';

// The scenario files we ship: each must parse, validate, and turn into runs that parseCli accepts.
const DIR = join(ROOT, 'scenarios');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

describe('scenarios/', () => {
  it('holds the files the design names', () => {
    expect(FILES.sort()).toEqual(['pool.yaml', 'prefork.yaml', 'psycopg2.yaml', 'seed-tutorial.yaml', 'thread-explosion.yaml']);
  });

  it.each(FILES)('%s parses, validates, and every entry is a run with expectations', (file) => {
    const scenario = readScenarioFile(join(DIR, file));
    expect(scenario.name).toBe(file.replace(/\.yaml$/, ''));
    expect(scenario.description).not.toBeNull();
    for (const entry of scenario.entries) {
      expect(entryCommand(scenario, entry).kind).toBe('run');
      expect(entry.label).not.toBeNull();
      expect(Object.keys(entry.expect).length).toBeGreaterThan(0);
    }
  });

  it('seed-tutorial runs every setup of the tutorial at its own load', () => {
    const scenario = readScenarioFile(join(DIR, 'seed-tutorial.yaml'));
    const runs = scenario.entries.map((e) => entryCommand(scenario, e));
    expect(runs.map((r) => r.model.name)).toEqual(['flask-dev', 'flask-threaded', 'gevent', 'gunicorn', 'gunicorn-gevent', 'uwsgi', 'uwsgi-gevent', 'uwsgi-gevent', 'uwsgi-gevent']);
    expect(runs.map((r) => [r.config.connections, r.config.requests, r.config.delayS])).toEqual([
      [5, 10, 1],
      ...Array.from({ length: 6 }, () => [200, 2000, 1]),
      [5, 10, 1],
      [5, 10, 1],
    ]);
  });

  it('prefork expects workers + 1 processes before the load', () => {
    const scenario = readScenarioFile(join(DIR, 'prefork.yaml'));
    for (const entry of scenario.entries) {
      expect(entry.expect.processesBeforeLoad).toEqual({ eq: entryCommand(scenario, entry).config.workers! + 1 });
    }
  });
});
