import type { SessionState } from '../session/state.js';
import type { Insight } from './types.js';

/**
 * --docker --pids-limit: the container reached its limit. Past it the kernel refuses every
 * fork and clone in the container (EAGAIN), so a thread-per-request server stops growing
 * and the requests it cannot start a thread for fail: a ceiling the thread pane alone would
 * show as a plateau. Read from the cgroup's files (a local engine: with the forks refused) or the engine's stats.
 */
export function pidsLimit(state: SessionState): Insight[] {
  const server = state.server;
  const limit = server?.containerUsage?.pidsLimit ?? null;
  if (!server?.container || server.containerPidsLimitAtMs === null || limit === null) return [];
  const counts = state.load.totals ?? state.load.counts;
  const failed = counts.errors + counts.resets + counts.timeouts + counts.non2xx;
  const when = (server.containerPidsLimitAtMs / 1000).toFixed(1);
  const refused = server.containerUsage?.pidsRefused ?? null;
  return [
    {
      kind: 'pids-limit',
      tMs: server.containerPidsLimitAtMs,
      pid: null,
      text:
        `the container reached its pids limit (${server.containerPidsPeak ?? limit}/${limit} processes and threads) at ${when} s: ` +
        `${refused !== null && refused > 0 ? `the kernel refused ${refused.toLocaleString('en-US')} new threads or processes` : 'no new thread or process could start'}` +
        `${failed > 0 ? `; ${failed.toLocaleString('en-US')} requests failed` : ''}: pids limit`,
      evidence: { limit, peak: server.containerPidsPeak, refused, failed },
    },
  ];
}
