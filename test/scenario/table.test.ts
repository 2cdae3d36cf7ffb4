import { describe, expect, it } from 'vitest';
import { compareRow, idealRps, renderCompareTable } from '../../src/scenario/table.js';
import type { ExpectationResult } from '../../src/scenario/expectations.js';
import { makeReport } from './report-fixture.js';

const pass = (name: string): ExpectationResult => ({ name, expected: '= 1', actual: '1', passed: true });
const fail = (name: string): ExpectationResult => ({ name, expected: '= 1', actual: '2', passed: false });

const flaskDev = makeReport({
  connections: 5, requests: 10, delayS: 1, rps: 1, p50Ms: 5033.98, p99Ms: 5054.46,
  before: { processes: 1, threads: 1 }, peak: { processes: 1, threads: 1, threadsPerProcess: { '7': 1 } },
  insights: ['flat', 'one-at-a-time'],
});
const gunicorn = makeReport({
  connections: 200, requests: 2000, delayS: 1, rps: 144.2, p50Ms: 1123.3, p99Ms: 2369.5, errors: 2, non2xx: 1,
  before: { processes: 5, threads: 6 }, peak: { processes: 5, threads: 205, threadsPerProcess: { '1': 1, '2': 51, '3': 51, '4': 51, '5': 51 } },
  insights: ['prefork', 'on-demand', 'on-demand'],
});
const single = makeReport({ connections: 10, requests: 100, delayS: 0.01, rps: 466.9, p50Ms: 6.04, p99Ms: 54.2, before: { processes: 1, threads: 7 }, peak: { processes: 1, threads: 7, threadsPerProcess: { '9': 7 } } });

describe('idealRps', () => {
  it.each([
    ['closed loop: connections / delay', makeReport({ connections: 200, requests: 2000, delayS: 1 }), 200],
    ['fewer requests than connections: the requests', makeReport({ connections: 200, requests: 50, delayS: 0.5 }), 100],
    ['a duration: connections / delay', makeReport({ connections: 50, requests: null, delayS: 0.2 }), 250],
    ['open loop: the rate asked for', makeReport({ rate: 300, delayS: 1 }), 300],
    ['no delay: no ideal', makeReport({ delayS: 0 }), null],
    ['a ramp: no single ideal', makeReport({ ramp: { unit: 'connections', stages: [{ durationS: 1, value: 5 }] } }), null],
  ])('%s', (_, report, ideal) => {
    expect(idealRps(report)).toBe(ideal);
  });
});

describe('compareRow', () => {
  it('reads the numbers of the tutorial table from a report', () => {
    expect(compareRow('gunicorn 4 x 50', gunicorn, [pass('a'), fail('b')], null)).toEqual({
      label: 'gunicorn 4 x 50',
      rps: 144.2,
      idealRps: 200,
      efficiencyPercent: 72.1,
      p50Ms: 1123.3,
      p99Ms: 2369.5,
      failed: 3,
      processesBefore: 5,
      processesDuring: 5,
      maxThreadsPerProcess: 51,
      insights: ['prefork', 'on-demand'],
      checks: { passed: 1, total: 2 },
      error: null,
    });
  });

  it('a run without a report keeps its label and its error', () => {
    const row = compareRow('uwsgi', null, [], 'uwsgi did not answer within 30 s');
    expect(row).toMatchObject({ label: 'uwsgi', rps: null, checks: null, error: 'uwsgi did not answer within 30 s' });
  });
});

describe('renderCompareTable', () => {
  const rows = [
    compareRow('flask dev, single', flaskDev, [pass('rps'), pass('insight')], null),
    compareRow('gunicorn 4 x 50', gunicorn, [pass('rps'), fail('insight')], null),
    compareRow('uwsgi', null, [], 'uwsgi: not installed'),
  ];

  it('aligns a terminal table: numbers to the right, text to the left', () => {
    expect(renderCompareTable(rows, 'table')).toBe(
      [
        'model              req/s  ideal  eff.  p50 ms  p99 ms  failed  procs before/during  max thr/proc  insights                          pass',
        '─────────────────  ─────  ─────  ────  ──────  ──────  ──────  ───────────────────  ────────────  ────────────────────────────────  ─────',
        'flask dev, single    1.0    5.0   20%    5034    5054       0                1 / 1             1  flat, one-at-a-time               ✓ 2/2',
        'gunicorn 4 x 50    144.2    200   72%    1123    2370       3                5 / 5            51  prefork, on-demand                ✗ 1/2',
        'uwsgi                  -      -     -       -       -       -                    -             -  run failed: uwsgi: not installed  -',
      ].join('\n') + '\n',
    );
  });

  it('writes Markdown with right-aligned number columns', () => {
    expect(renderCompareTable(rows, 'markdown')).toBe(
      [
        '| model | req/s | ideal | eff. | p50 ms | p99 ms | failed | procs before/during | max thr/proc | insights | pass |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
        '| flask dev, single | 1.0 | 5.0 | 20% | 5034 | 5054 | 0 | 1 / 1 | 1 | flat, one-at-a-time | ✓ 2/2 |',
        '| gunicorn 4 x 50 | 144.2 | 200 | 72% | 1123 | 2370 | 3 | 5 / 5 | 51 | prefork, on-demand | ✗ 1/2 |',
        '| uwsgi | - | - | - | - | - | - | - | - | run failed: uwsgi: not installed | - |',
      ].join('\n') + '\n',
    );
  });

  it('has no pass column when nothing is expected; sub-10 ms latencies keep a decimal', () => {
    const text = renderCompareTable([compareRow('single', single, [], null)], 'table');
    expect(text.split('\n')[0]).toBe('model   req/s  ideal  eff.  p50 ms  p99 ms  failed  procs before/during  max thr/proc  insights');
    expect(text.split('\n')[2]).toBe('single  466.9   1000   47%     6.0      54       0                1 / 1             7  -');
  });

  it('escapes | in Markdown cells and strips control characters from labels', () => {
    const text = renderCompareTable([compareRow('a|b\x1b[2Jc', single, [], null)], 'markdown');
    expect(text.split('\n')[2]).toMatch(/^\| a\\\|bc \| 466\.9 \|/);
  });
});
