import { SessionBuilder, type ProcSpec } from '../insights/build.js';
import type { SessionState } from '../../src/session/state.js';
import type { SessionEvent } from '../../src/session/events.js';
import { reduce } from '../../src/session/store.js';
import type { ReportFacts } from '../../src/report/environment.js';

/** A hostile process name: what the report must never emit as markup. */
export const EVIL = '<script>alert(1)</script>';

/**
 * A prefork server of three processes whose workers grow threads on demand under 6 s of
 * load, one of them named EVIL; latencies spread from 2 to 900 ms; one load adjustment.
 */
export function reportState(): SessionState {
  const b = new SessionBuilder({ model: 'cluster', workers: 2, connections: 20, durationS: 6 });
  const tree = (t: number): ProcSpec[] => {
    const grow = t < 1000 ? 0 : Math.min(8, Math.floor((t - 1000) / 500));
    return [
      { pid: 100, threads: 7, name: 'node' },
      { pid: 101, ppid: 100, threads: 7 + grow, name: EVIL },
      { pid: 102, ppid: 100, threads: 7 + Math.floor(grow / 2), name: 'node' },
    ];
  };
  b.samples(250, 750, tree).startLoad(1000);
  for (let t = 1000; t <= 7000; t += 250) {
    b.sample(t, tree(t));
    if (t > 1000) b.responses(t, 20, 2 + (t % 3000) / 10).responses(t, 3, 40 + t / 100).responses(t, 1, 300 + t / 20);
  }
  b.finishLoad(7100);
  const events: SessionEvent[] = [{ type: 'load/adjusted', tMs: 4000, connections: 40, rate: null }];
  return events.reduce(reduce, b.state());
}

export const FACTS: ReportFacts = {
  command: ['node', '/srv/app.js', `--title=${EVIL}`],
  url: `http://127.0.0.1:1/?q=${EVIL}`,
  environment: { hostname: 'host-1', cores: 2, kernel: 'Linux 6.1.0', node: 'v20.19.0', watchload: '0.1.0', date: '2025-01-02T03:04:05.000Z', source: 'live run' },
};
