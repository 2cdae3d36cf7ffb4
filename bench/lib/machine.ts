import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/lib/ → ../..). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What the results were measured on; printed at the top of BENCHMARKS.md. */
export interface Machine {
  readonly date: string;
  readonly nproc: number;
  readonly cpuModel: string;
  readonly kernel: string;
  readonly os: string;
  readonly node: string;
  readonly memGiB: number;
  /** The commit the checkout was at, and whether src/ had uncommitted changes (dist/ is built from it). */
  readonly commit: string;
  readonly srcDirty: boolean;
}

function gitReadOnly(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function describeMachine(): Machine {
  const osRelease = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  return {
    date: new Date().toISOString(),
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    kernel: release(),
    os: /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? 'unknown',
    node: process.version,
    memGiB: Math.round(totalmem() / 2 ** 30),
    commit: gitReadOnly(['rev-parse', '--short', 'HEAD']),
    srcDirty: gitReadOnly(['status', '--porcelain', '--', 'src', 'components']) !== '',
  };
}

/** The 1-minute load average. */
export function loadAverage1(): number {
  return loadavg()[0];
}

export interface QuietCheck {
  /** The 1-minute load average when the wait ended. */
  readonly load1: number;
  readonly waitedS: number;
  /** false when maxWaitS ran out with the load still high: the results are flagged. */
  readonly quiet: boolean;
}

/**
 * Waits until the 1-minute load average is at most maxLoad (other engineers share this
 * machine and may be running tests): a benchmark on a busy machine measures the neighbours.
 */
export async function waitForQuiet(maxLoad: number, maxWaitS: number, log: (line: string) => void): Promise<QuietCheck> {
  const t0 = performance.now();
  let said = false;
  for (;;) {
    const load1 = loadAverage1();
    const waitedS = (performance.now() - t0) / 1000;
    if (load1 <= maxLoad) return { load1, waitedS, quiet: true };
    if (waitedS >= maxWaitS) {
      log(`load average still ${load1.toFixed(2)} after ${Math.round(waitedS)} s: measuring anyway, flagged in the results`);
      return { load1, waitedS, quiet: false };
    }
    if (!said) log(`load average ${load1.toFixed(2)} > ${maxLoad}: waiting for the machine to calm down (up to ${maxWaitS} s)`);
    said = true;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
}

/** The built module under dist/, or an error that says to build first. */
export function distModule(relative: string): string {
  const path = `${REPO_ROOT}dist/${relative}`;
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first`);
  return path;
}
