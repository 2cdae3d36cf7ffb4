import { describe, expect, it } from 'vitest';
import { allModels, findModel, modelNames, type LaunchContext } from '../../src/models/registry.js';
import { serversDir } from '../../src/models/python.js';
import { packageRoot } from '../../src/util/package-root.js';
import { parseCli } from '../../src/cli-options.js';
import { UsageError } from '../../src/util/errors.js';

const context = (model: string, extra: Partial<LaunchContext> = {}): LaunchContext => {
  const spec = findModel(model)!;
  return { host: '127.0.0.1', port: 4321, upstreamUrl: 'http://127.0.0.1:9999/', workers: spec.defaults.workers, threads: spec.defaults.threads, ...extra };
};

describe('the Python models start the tutorial\'s commands, on Debian\'s binaries, on 127.0.0.1', () => {
  it.each<[string, Partial<LaunchContext>, string[], NodeJS.Signals]>([
    ['flask-dev', {}, ['/usr/bin/flask', 'run', '--no-reload', '--without-threads', '--host', '127.0.0.1', '--port', '4321'], 'SIGINT'],
    ['flask-threaded', {}, ['/usr/bin/flask', 'run', '--no-reload', '--with-threads', '--host', '127.0.0.1', '--port', '4321'], 'SIGINT'],
    ['gunicorn', {}, ['/usr/bin/gunicorn', '--workers', '4', '--threads', '50', '--bind', '127.0.0.1:4321', 'app:app'], 'SIGINT'],
    ['gunicorn', { workers: 2, threads: 1 }, ['/usr/bin/gunicorn', '--workers', '2', '--threads', '1', '--bind', '127.0.0.1:4321', 'app:app'], 'SIGINT'],
    ['gunicorn-gevent', {}, ['/usr/bin/gunicorn', '--worker-class', 'gevent', '--workers', '1', '--worker-connections', '1000', '--bind', '127.0.0.1:4321', 'patched:app'], 'SIGINT'],
    ['gunicorn-gevent', { asyncCores: 50 }, ['/usr/bin/gunicorn', '--worker-class', 'gevent', '--workers', '1', '--worker-connections', '50', '--bind', '127.0.0.1:4321', 'patched:app'], 'SIGINT'],
    ['gevent', {}, ['/usr/bin/python3', `${serversDir()}/pywsgi.py`, '127.0.0.1', '4321'], 'SIGINT'],
    ['uwsgi', {}, ['/usr/bin/uwsgi', '--plugins', 'python3', '--master', '--workers', '4', '--threads', '50', '--http-socket', '127.0.0.1:4321', '--need-app', '--module', 'app:app'], 'SIGINT'],
    ['uwsgi-gevent', {}, ['/usr/bin/uwsgi', '--plugins', 'python3,gevent_python3', '--master', '--single-interpreter', '--workers', '1', '--gevent', '2000', '--http-socket', '127.0.0.1:4321', '--need-app', '--module', 'patched:app'], 'SIGINT'],
  ])('%s %j', (name, extra, argv, stopSignal) => {
    const launch = findModel(name)!.launch(context(name, extra));
    expect(launch.argv).toEqual(argv);
    // uWSGI reloads on SIGTERM; gunicorn waits for in-flight requests: every Python server stops on SIGINT.
    expect(launch.stopSignal).toBe(stopSignal);
    expect(launch.cwd).toBe(serversDir());
    expect(launch.env).toMatchObject({ UPSTREAM_URL: 'http://127.0.0.1:9999/', PYTHONUNBUFFERED: '1', PYTHONPATH: serversDir() });
  });

  it('flask finds the app through FLASK_APP', () => {
    expect(findModel('flask-dev')!.launch(context('flask-dev')).env.FLASK_APP).toBe('app');
  });

  it('every model has a name, a summary and a shape; Python ones say what they need', () => {
    expect(modelNames()).toEqual(['cluster', 'single', 'worker-pool', 'thread-per-request', 'libuv-pool', 'blocking', 'flask-dev', 'flask-threaded', 'gunicorn', 'gunicorn-gevent', 'gevent', 'uwsgi', 'uwsgi-gevent']);
    for (const model of allModels()) {
      expect(model.summary).not.toBe('');
      if (model.family === 'python') expect(model.needs?.length).toBeGreaterThan(0);
    }
  });
});

describe('the Node models run a .cjs server of servers/ with this Node, --threads where they have it', () => {
  const script = (name: string) => `${packageRoot()}/src/models/servers/${name}`;
  const tail = ['--host', '127.0.0.1', '--port', '4321', '--upstream', 'http://127.0.0.1:9999/'];

  it.each<[string, Partial<LaunchContext>, string[]]>([
    ['cluster', {}, ['node-cluster.cjs', '--workers', '4']],
    ['single', {}, ['node-single.cjs']],
    ['worker-pool', {}, ['node-worker-pool.cjs', '--threads', '4']],
    ['worker-pool', { threads: 16 }, ['node-worker-pool.cjs', '--threads', '16']],
    ['thread-per-request', {}, ['node-thread-per-request.cjs']],
    // --threads is UV_THREADPOOL_SIZE: the script sets it before libuv's pool starts, so the
    // command line shown says it and the env is left alone.
    ['libuv-pool', {}, ['node-libuv-pool.cjs', '--threads', '4']],
    ['libuv-pool', { threads: 2 }, ['node-libuv-pool.cjs', '--threads', '2']],
    ['blocking', {}, ['node-blocking.cjs']],
  ])('%s %j', (name, extra, [file, ...args]) => {
    const launch = findModel(name)!.launch(context(name, extra));
    expect(launch.argv).toEqual([process.execPath, script(file), ...args, ...tail]);
    expect(launch.env).toEqual({});
    expect(launch.cwd).toBe(packageRoot());
    expect(launch.stopSignal).toBe('SIGTERM');
  });

  it.each([
    ['worker-pool', { workers: null, threads: 4 }],
    ['thread-per-request', { workers: null, threads: null }],
    ['libuv-pool', { workers: null, threads: 4 }],
    ['blocking', { workers: null, threads: null }],
  ])('%s defaults to %j and needs nothing but Node', (name, defaults) => {
    const model = findModel(name)!;
    expect(model.family).toBe('node');
    expect(model.defaults).toMatchObject(defaults);
    expect(model.needs).toEqual([]);
    expect(model.path).toBe('/');
    expect(model.expectedShape).not.toBe('');
  });
});

describe('the command line maps each flag to the model\'s own, or refuses it', () => {
  const run = (argv: string[]) => {
    const command = parseCli(argv);
    if (command.kind !== 'run') throw new Error('not a run');
    return command;
  };

  it('--async-cores binds into the launch: uWSGI --gevent N', () => {
    const command = run(['--model', 'uwsgi-gevent', '--workers', '2', '--async-cores', '100']);
    const launch = command.model.launch({ host: '127.0.0.1', port: 1, upstreamUrl: 'http://127.0.0.1:2/', workers: command.config.workers, threads: command.config.threads });
    expect(launch.argv).toEqual(expect.arrayContaining(['--workers', '2', '--gevent', '100']));
    expect(command.model.name).toBe('uwsgi-gevent');
  });

  it.each([
    ['worker-pool', 8],
    ['libuv-pool', 2],
  ])('--threads binds into %s\'s launch', (name, threads) => {
    const command = run(['--model', name, '--threads', String(threads)]);
    expect(command.config.threads).toBe(threads);
    const launch = command.model.launch({ host: '127.0.0.1', port: 1, upstreamUrl: 'http://127.0.0.1:2/', workers: command.config.workers, threads: command.config.threads });
    expect(launch.argv).toEqual(expect.arrayContaining(['--threads', String(threads)]));
  });

  it.each([
    [['--model', 'thread-per-request', '--threads', '2'], "model 'thread-per-request' has no thread setting: drop --threads"],
    [['--model', 'blocking', '--threads', '2'], "model 'blocking' has no thread setting: drop --threads"],
    [['--model', 'worker-pool', '--workers', '2'], "model 'worker-pool' has no workers: drop --workers"],
    [['--model', 'libuv-pool', '--workers', '2'], "model 'libuv-pool' has no workers: drop --workers"],
    [['--model', 'flask-dev', '--workers', '2'], "model 'flask-dev' has no workers: drop --workers"],
    [['--model', 'gevent', '--threads', '2'], "model 'gevent' has no thread setting: drop --threads"],
    [['--model', 'uwsgi', '--async-cores', '10'], "model 'uwsgi' has no async cores: drop --async-cores"],
    [['--model', 'cluster', '--async-cores', '10'], "model 'cluster' has no async cores: drop --async-cores"],
    [['--model', 'gunicorn-gevent', '--threads', '4'], "model 'gunicorn-gevent' has no thread setting: drop --threads"],
    [['--model', 'uwsgi-gevent', '--async-cores', '0'], "option '--async-cores <n>' argument '0' is invalid. expected a whole number from 1 to 100000"],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });
});

describe('--db postgres and --psycogreen (the tutorial\'s bonus): bound into the model by configureModel', () => {
  const withDb = (model: string, psycogreen = false) => {
    const parsed = parseCli(['--model', model, '--db', 'postgres', ...(psycogreen ? ['--psycogreen'] : [])]);
    if (parsed.kind !== 'run') throw new Error('expected a run');
    return parsed.model;
  };

  it.each<[string, boolean, string[]]>([
    ['gunicorn', false, ['app_db:app']],
    ['uwsgi', false, ['--module', 'app_db:app']],
    ['gunicorn-gevent', false, ['patched_db:app']],
    ['gunicorn-gevent', true, ['patched_db:app']],
    ['uwsgi-gevent', true, ['--module', 'patched_db:app']],
    ['gevent', true, [`${serversDir()}/pywsgi.py`, 'patched_db']],
  ])('%s (psycogreen %s) runs the DB app: %j', (name, psycogreen, args) => {
    const model = withDb(name, psycogreen);
    const launch = model.launch(context(name));
    expect(launch.argv).toEqual(expect.arrayContaining(args));
    expect(launch.env.PSYCOGREEN).toBe(psycogreen ? '1' : undefined);
    // A PostgreSQL beside it, and what that needs here: psycopg2, psycogreen if asked, the server's binaries.
    expect(model.startCompanions).toBeTypeOf('function');
    const needs = JSON.stringify(model.needs);
    expect(needs).toContain('"psycopg2"');
    expect(needs.includes('"psycogreen"')).toBe(psycogreen);
    expect(needs).toMatch(/bin\/initdb"/);
    expect(needs).toMatch(/bin\/postgres"/);
  });

  it('flask reads the DB app through FLASK_APP', () => {
    expect(withDb('flask-dev').launch(context('flask-dev')).env.FLASK_APP).toBe('app_db');
  });

  it('without --db nothing changes: the plain app, no companions', () => {
    const parsed = parseCli(['--model', 'gunicorn-gevent']);
    if (parsed.kind !== 'run') throw new Error('expected a run');
    expect(parsed.model.launch(context('gunicorn-gevent')).argv).toContain('patched:app');
    expect(parsed.model.startCompanions).toBeUndefined();
  });

  it.each([
    [['--model', 'uwsgi', '--db', 'postgres', '--psycogreen'], "model 'uwsgi' does not run on gevent: --psycogreen is for the gevent models (gunicorn-gevent, gevent, uwsgi-gevent)"],
    [['--model', 'gevent', '--psycogreen'], '--psycogreen patches psycopg2: add --db postgres'],
    [['--model', 'single', '--db', 'postgres'], "model 'single' runs no Python app: --db is for the Python models"],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });
});
