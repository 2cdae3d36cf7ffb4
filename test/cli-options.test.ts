import { NO_GUARDS } from '../src/insights/guard-types.js';
import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { memorySize, parseCli } from '../src/cli-options.js';

function config(args: string[]) {
  const command = parseCli(args);
  if (command.kind !== 'run') throw new Error(`expected a run, got ${command.kind}`);
  return command.config;
}

describe('parseCli', () => {
  it('fills the defaults of issue 2: cluster, 50 connections, 30 s, 0.2 s delay, 250 ms sampling', () => {
    expect(config([])).toEqual({
      model: 'cluster', workers: 4, threads: null, connections: 50, requests: null, durationS: 30, delayS: 0.2, intervalMs: 250, keepAlive: true, rate: null, ramp: null, loadWorkers: 1, cores: availableParallelism(), guards: NO_GUARDS,
    });
  });

  it('-n bounds the load by count instead of time', () => {
    expect(config(['-n', '2000', '-c', '200', '--delay', '1'])).toMatchObject({ requests: 2000, durationS: null, connections: 200, delayS: 1 });
  });

  it.each([
    [['--model', 'cluster'], true],
    [['--model', 'cluster', '--no-keepalive'], false],
    // uWSGI's --http-socket closes every connection after its answer without saying so.
    [['--model', 'uwsgi'], false],
    [['--model', 'uwsgi-gevent'], false],
    // nginx in front keeps the clients' connections alive.
    [['--model', 'uwsgi', '--proxy', 'nginx'], true],
  ])('keep-alive for %j: %s', (args, keepAlive) => {
    expect(config(args).keepAlive).toBe(keepAlive);
  });

  it('--rate: an open loop whose connections open on demand, up to 1,000 unless -c says', () => {
    expect(config(['--rate', '200', '-d', '20'])).toMatchObject({ rate: 200, connections: 1000, durationS: 20, ramp: null });
    expect(config(['--rate', '200', '-c', '50'])).toMatchObject({ rate: 200, connections: 50 });
  });

  it('--ramp: steps of connections, or of the rate with --rate; the stages set the duration', () => {
    expect(config(['--ramp', '10:50,20:200'])).toMatchObject({
      connections: 200, durationS: 30, rate: null,
      ramp: { unit: 'connections', stages: [{ durationMs: 10_000, value: 50 }, { durationMs: 20_000, value: 200 }] },
    });
    expect(config(['--rate', '--ramp', '5:100,5:400', '-c', '300'])).toMatchObject({ connections: 300, durationS: 10, rate: null, ramp: { unit: 'rate' } });
  });

  it('--load-workers spreads the load', () => {
    expect(config(['--load-workers', '2']).loadWorkers).toBe(2);
  });

  it.each([
    [['--rate', '0'], "option '--rate [requests/s]' argument '0' is invalid. expected requests per second, more than 0 and at most 1000000"],
    [['--rate'], '--rate needs requests per second (e.g. --rate 200), or --ramp to step the rate'],
    [['--ramp', '10:50', '-d', '5'], '--ramp sets the duration (10 s): drop -d'],
    [['--ramp', '10:50', '-n', '5'], '--ramp sets the duration (10 s): drop -n'],
    [['--ramp', '10:50', '-c', '5'], '--ramp steps the connections: drop -c'],
    [['--ramp', '10:50', '--rate', '5'], '--ramp with --rate: give --rate without a value, the ramp steps the rate'],
    [['--ramp', '10:2.5'], '--ramp: connections are whole numbers'],
    [['--ramp', '10:0'], '--ramp: some stage needs at least 1 connection'],
    [['--ramp', '10-50'], "option '--ramp <steps>' argument '10-50' is invalid. '10-50' is not SECONDS:VALUE (e.g. 10:50)"],
    [['--load-workers', '4', '-c', '2'], '--load-workers 4 needs at least as many connections, got 2'],
    [['--load-workers', '4', '-n', '3'], '--load-workers 4 needs at least as many requests, got -n 3'],
  ])('refuses %j in one line', (args, message) => {
    expect(() => parseCli(args)).toThrow(message);
  });
});

describe('CI guards', () => {
  it('--max-threads, --max-processes, --max-p99 and --max-errors (a count or a percentage)', () => {
    expect(config(['--max-threads', '100', '--max-processes', '5', '--max-p99', '1500', '--max-errors', '3']).guards).toEqual({
      maxThreads: 100, maxProcesses: 5, maxP99Ms: 1500, maxErrors: { count: 3 },
    });
    expect(config(['--max-errors', '0.5%']).guards.maxErrors).toEqual({ percent: 0.5 });
    expect(config(['--max-errors', '0']).guards.maxErrors).toEqual({ count: 0 });
  });

  it.each([
    [['--max-threads', '0'], "option '--max-threads <n>' argument '0' is invalid. expected a whole number from 1 to 10000000"],
    [['--max-p99', '-5'], "option '--max-p99 <ms>' argument '-5' is invalid. expected milliseconds, more than 0"],
    [['--max-errors', 'lots'], "option '--max-errors <n|%>' argument 'lots' is invalid. expected a count (5) or a percentage (1%)"],
    [['--max-errors', '150%'], "option '--max-errors <n|%>' argument '150%' is invalid. a percentage is at most 100%"],
    [['--max-errors', '2.5'], "option '--max-errors <n|%>' argument '2.5' is invalid. a count is a whole number (or give a percentage: 1%)"],
  ])('%j is a usage error', (args, message) => {
    expect(() => parseCli(args)).toThrow(message);
  });
});

describe('--docker', () => {
  it('passes its limits through, with docker\'s units for --memory', () => {
    const command = parseCli(['--model', 'gunicorn', '--docker', '--cpus', '1.5', '--pids-limit', '100', '--memory', '512m']);
    if (command.kind !== 'run') throw new Error('expected a run');
    expect(command.docker).toEqual({ image: null, cpus: 1.5, pidsLimit: 100, memoryBytes: 512 * 1024 ** 2, sampling: 'auto' });
    expect(memorySize('1g')).toBe(1024 ** 3);
    expect(memorySize('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(memorySize('67108864')).toBe(64 * 1024 ** 2);
  });

  it('--docker-image and --docker-sampling; without --docker, none', () => {
    const command = parseCli(['--model', 'uwsgi-gevent', '--docker', '--docker-image', 'my/app:tag', '--docker-sampling', 'engine']);
    if (command.kind !== 'run') throw new Error('expected a run');
    expect(command.docker).toMatchObject({ image: 'my/app:tag', sampling: 'engine' });
    const plain = parseCli(['--model', 'gunicorn']);
    if (plain.kind !== 'run') throw new Error('expected a run');
    expect(plain.docker).toBeNull();
  });

  it('`docker build [--force]`', () => {
    expect(parseCli(['docker', 'build'])).toEqual({ kind: 'docker-build', force: false });
    expect(parseCli(['docker', 'build', '--force'])).toEqual({ kind: 'docker-build', force: true });
  });
});
