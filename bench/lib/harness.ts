import { startForeignMeter, waitForIdleOthers } from './cpu.js';
import { loadAverage1 } from './machine.js';
import { sig } from './results.js';

/**
 * What the run-measuring benchmarks (load-engine, fidelity, tui-cost, ui-block) share: the
 * options about a quiet machine and results files, and the loop that starts each measurement
 * in a quiet moment and redoes it when others were busy meanwhile.
 */

/** Defaults of the options every such benchmark has; spread into parseFlags' defaults. */
export const QUIET_DEFAULTS = { 'max-load': '1.0', 'max-wait': '300', 'max-foreign': '25', render: '' } as const;

/** The usage lines for QUIET_DEFAULTS, `--out` and `--help`. */
export function quietUsage(defaultOut: string): string {
  return `  --max-load L       wait until the 1-min load average is <= L before starting (default 1.0)
  --max-wait S       ...but at most S seconds (default 300)
  --max-foreign P    redo a run when other processes used more than P % of one core meanwhile (default 25)
  --out NAME         results file bench/results/NAME.json (default ${defaultOut}); use
                     --out trial-NAME for trial runs, so committed results stay
  --render FILE      only print the table of an earlier results file
  -h, --help         this help`;
}

/** How one attempt at a measurement went, beside what it measured. */
export interface Attempt {
  readonly attempt: number;
  /** The 1-minute load average when it started. */
  readonly load1AtStart: number;
  /** Share of one core other processes used in the 2 s before it (waited for ≤ max-foreign / 2). */
  readonly othersBefore: number;
  /** Share of one core other processes used during it; above max-foreign it is redone. */
  readonly foreignCpuPercent: number;
  /** Redone: kept in the JSON, left out of the tables. */
  readonly discarded: boolean;
  /** Others used more than max-foreign during it; kept only when every attempt was so. */
  readonly busy: boolean;
}

/**
 * Runs `measure` once others have been quiet for 2 s, and again (up to maxAttempts in all)
 * while others used more than maxForeign % of a core during it. Returns every attempt, the
 * redone ones marked discarded; `describe` makes the log line of one.
 */
export async function measureWhileQuiet<T extends object>(
  measure: () => Promise<T>,
  options: { maxForeign: number; maxAttempts: number; log: (line: string) => void; describe: (result: T) => string },
): Promise<Array<T & Attempt>> {
  const records: Array<T & Attempt> = [];
  for (let attempt = 1; ; attempt++) {
    // Others' bursts (a test suite) come and go: start each run in a quiet moment.
    const othersBefore = await waitForIdleOthers(options.maxForeign / 2, 2_000, 180_000);
    const load1AtStart = loadAverage1();
    const meter = startForeignMeter();
    const result = await measure();
    const { foreignCpuPercent } = meter.stop();
    const busy = foreignCpuPercent > options.maxForeign;
    const retry = busy && attempt < options.maxAttempts;
    records.push({ ...result, attempt, load1AtStart, othersBefore, foreignCpuPercent, discarded: retry, busy });
    options.log(
      `${options.describe(result)} (load ${load1AtStart.toFixed(2)}, others ${sig(foreignCpuPercent, 2)} % of a core${retry ? ': too busy, again' : ''})`,
    );
    if (!retry) return records;
  }
}
