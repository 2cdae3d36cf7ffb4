import { achievedRate, generatorVerdict } from '../session/generator-health.js';
import { activeLoadMs, currentRps, targetRate, windowP99Ms } from '../session/store.js';
import type { SessionState } from '../session/state.js';
import { countShape } from '../session/store.js';
import { formatUsage } from '../docker/usage.js';
import { backoffOf, backoffText } from '../proc/pacing.js';

const fmtMs = (ms: number | null) => (ms === null ? '-' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`);

/** One line of progress for headless runs: phase, progress, rate, p99, shape, errors. */
export function statusLine(state: SessionState): string {
  const t = `[${(state.nowMs / 1000).toFixed(1).padStart(6)} s]`;
  const config = state.config;
  if (!config) return `${t} starting`;
  const shape = state.snapshot ? countShape(state.snapshot) : null;
  const usage = state.server?.containerUsage;
  // In a container: the engine's count of its pids against the limit, its CPU and memory.
  // A sampler that backed off (issue 8) says at what interval it samples now.
  const backoff = backoffOf(state.snapshot, config.intervalMs, state.server?.container?.sampling ?? null);
  const tree = (shape ? `${shape.processes} proc ${shape.threads} thr` : 'no sample yet') + (backoff ? `  ${backoffText(backoff)}` : '') + (usage ? `  ${formatUsage(usage)}` : '');
  if (state.load.startedAtMs === null) return `${t} ${state.phase}  ${tree}`;
  const { counts } = state.load;
  const goal = config.requests !== null ? `${counts.completed}/${config.requests} req` : `${(activeLoadMs(state) / 1000).toFixed(1)}/${config.durationS} s, ${counts.completed} req`;
  const errors = [
    counts.timeouts && `${counts.timeouts} timeouts`,
    counts.non2xx && `${counts.non2xx} non-2xx`,
    counts.errors && `${counts.errors} conn errors`,
    counts.resets && `${counts.resets} resets`,
  ].filter(Boolean);
  const running = state.load.finishedAtMs === null;
  const rps = running ? currentRps(state.load.window, state.nowMs) : 0;
  const target = targetRate(state);
  const achieved = achievedRate(state);
  const schedule = target !== null && running ? `  sent ${Math.round(achieved ?? 0)}/${Math.round(target)} req/s` : '';
  const verdict = generatorVerdict(state);
  return `${t} ${state.phase}  ${goal}  ${rps} req/s${schedule}  p99 ${fmtMs(windowP99Ms(state.load.window))}  ${tree}  ${errors.length ? errors.join(', ') : 'no errors'}${verdict ? `  ! ${verdict.text}` : ''}`;
}
