import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { GeneratorSample } from './types.js';

/**
 * The load generator watching itself: is it, rather than the server, the bottleneck? Each
 * batch reads the CPU the calling thread used (its own /proc/thread-self/schedstat: Node 20
 * has no per-thread CPU API) and the event-loop delay since the previous batch.
 */

export interface GeneratorProbe {
  /** Figures since the previous call, with the engine's own counts of the moment. */
  sample(counts: { readonly busy: number; readonly connections: number; readonly backlog: number }): GeneratorSample;
  close(): void;
}

/** Above this CPU share the generator is the bottleneck, whatever the server does. */
export const GENERATOR_CPU_LIMIT_PERCENT = 85;

function threadRunNs(): number | null {
  try {
    // Resolves to the calling thread's task: the load worker's, when called from it.
    // schedstat: "run_ns wait_ns timeslices" (proc(5)); only the first matters here.
    const runNs = Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]);
    return Number.isFinite(runNs) ? runNs : null;
  } catch {
    return null;
  }
}

export function createGeneratorProbe(): GeneratorProbe {
  // 10 ms resolution: the delay a timer-driven pacer sees; finer costs a timer per ms.
  const delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let lastRunNs = threadRunNs();
  let lastAt = performance.now();
  return {
    sample(counts) {
      const now = performance.now();
      const runNs = threadRunNs();
      const wallMs = now - lastAt;
      const cpuPercent = runNs === null || lastRunNs === null || wallMs <= 0 ? null : Math.min(100, (runNs - lastRunNs) / 1e4 / wallMs);
      lastRunNs = runNs;
      lastAt = now;
      // The histogram reports nanoseconds, and exceeds the resolution by the timer's own period.
      const hasDelay = delay.count > 0;
      const sample: GeneratorSample = {
        cpuPercent: cpuPercent === null ? null : Math.round(cpuPercent * 10) / 10,
        loopDelayP99Ms: hasDelay ? Math.max(0, delay.percentile(99) / 1e6 - 10) : null,
        loopDelayMaxMs: hasDelay ? Math.max(0, delay.max / 1e6 - 10) : null,
        ...counts,
      };
      delay.reset();
      return sample;
    },
    close() {
      delay.disable();
    },
  };
}
