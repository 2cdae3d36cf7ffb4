import { describe, expect, it } from 'vitest';
import { parseCli } from '../src/cli-options.js';

function config(args: string[]) {
  const command = parseCli(args);
  if (command.kind !== 'run') throw new Error(`expected a run, got ${command.kind}`);
  return command.config;
}

describe('parseCli', () => {
  it('fills the defaults of issue 2: cluster, 50 connections, 30 s, 0.2 s delay, 250 ms sampling', () => {
    expect(config([])).toEqual({
      model: 'cluster', workers: 4, threads: null, connections: 50, requests: null, durationS: 30, delayS: 0.2, intervalMs: 250, keepAlive: true,
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
});
