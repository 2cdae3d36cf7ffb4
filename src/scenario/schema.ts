import type { InsightKind } from '../insights/types.js';
import { UsageError } from '../util/errors.js';

/**
 * A scenario file, validated: what to run (entries, each a command line of watchload) and
 * what each run must show (expectations, checked against its JSON report).
 */
export interface Scenario {
  /** The path as given on the command line: every error names it. */
  readonly file: string;
  readonly name: string;
  readonly description: string | null;
  readonly entries: readonly ScenarioEntry[];
}

/** Where a value was written: the field's path in the file and its line (1-based). */
export interface Origin {
  readonly path: string;
  readonly line: number;
}

export interface ScenarioEntry {
  /** 0-based position in `entries:`. */
  readonly index: number;
  readonly line: number;
  readonly label: string | null;
  /** The flags of the run (model, load, shared defaults merged in), by field name. */
  readonly flags: Readonly<Partial<Record<FlagField, FlagValue>>>;
  /** Where each flag came from (the entry or the shared `load:`), for errors found later. */
  readonly origins: Readonly<Partial<Record<FlagField, Origin>>>;
  readonly expect: Expectations;
}

export type FlagValue = string | number | boolean;

/**
 * The value kinds a flag field accepts in YAML. The flags' own ranges and combinations are
 * checked by parseCli, once, for the command line and the files alike: here only what YAML
 * could get wrong that a command line cannot (a list where a value goes, a boolean switch).
 */
/** value: `--flag V`; switch: `--flag` when true; negated: `--flag` when false; rate: `--rate V`, or `--rate` alone when true. */
export type FlagKind = 'value' | 'switch' | 'negated' | 'rate';

export interface FlagSpec {
  /** The command line's spelling, as parseCli takes it. */
  readonly flag: string;
  /** Other spellings that parseCli's messages use (short options). */
  readonly aliases?: readonly string[];
  readonly kind: FlagKind;
}

/** What a server runs as: only in entries. */
export const MODEL_FLAGS = {
  model: { flag: '--model', kind: 'value' },
  workers: { flag: '--workers', kind: 'value' },
  threads: { flag: '--threads', kind: 'value' },
  asyncCores: { flag: '--async-cores', kind: 'value' },
  proxy: { flag: '--proxy', kind: 'value' },
  db: { flag: '--db', kind: 'value' },
  psycogreen: { flag: '--psycogreen', kind: 'switch' },
  // In a container on a Docker Engine (issue 7): an entry may run there, with its limits.
  docker: { flag: '--docker', kind: 'switch' },
  dockerImage: { flag: '--docker-image', kind: 'value' },
  cpus: { flag: '--cpus', kind: 'value' },
  pidsLimit: { flag: '--pids-limit', kind: 'value' },
  memory: { flag: '--memory', kind: 'value' },
} as const satisfies Record<string, FlagSpec>;

/** The load: in entries, or in the shared `load:` for every entry. */
export const LOAD_FLAGS = {
  connections: { flag: '--connections', aliases: ['-c'], kind: 'value' },
  requests: { flag: '--requests', aliases: ['-n'], kind: 'value' },
  duration: { flag: '--duration', aliases: ['-d'], kind: 'value' },
  rate: { flag: '--rate', kind: 'rate' },
  ramp: { flag: '--ramp', kind: 'value' },
  delay: { flag: '--delay', kind: 'value' },
  keepalive: { flag: '--no-keepalive', kind: 'negated' },
  interval: { flag: '--interval', kind: 'value' },
  timeout: { flag: '--timeout', kind: 'value' },
  loadWorkers: { flag: '--load-workers', kind: 'value' },
} as const satisfies Record<string, FlagSpec>;

export type ModelField = keyof typeof MODEL_FLAGS;
export type LoadField = keyof typeof LOAD_FLAGS;
export type FlagField = ModelField | LoadField;

export const FLAGS: Readonly<Record<FlagField, FlagSpec>> = { ...MODEL_FLAGS, ...LOAD_FLAGS };

/** `5` (exactly) or any of `{ lte, gte, lt, gt }`. */
export interface Bound {
  readonly eq?: number;
  readonly lte?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly gt?: number;
}

/** The numbers of a JSON report an expectation can name, in the order they are listed. */
export const NUMERIC_EXPECTATIONS = [
  'processesBeforeLoad',
  'threadsBeforeLoad',
  'processesDuringLoad',
  'maxThreadsPerProcess',
  'peakThreads',
  'rps',
  'p50Ms',
  'p99Ms',
  'failed',
] as const;

export type NumericExpectation = (typeof NUMERIC_EXPECTATIONS)[number];

export type Expectations = Readonly<Partial<Record<NumericExpectation, Bound>>> & {
  /** Kinds that must be among the report's insights. */
  readonly insight?: readonly InsightKind[];
  /** Kinds that must not. */
  readonly noInsight?: readonly InsightKind[];
};

/** Every InsightKind, at run time: what `insight:` may name. */
export const INSIGHT_KINDS = [
  'prefork',
  'on-demand',
  'pool',
  'flat',
  'one-at-a-time',
  'saturation',
  'blocked-loop',
  'thread-explosion',
  'littles-law',
  'pids-limit',
] as const satisfies readonly InsightKind[];

// A kind added to InsightKind and missing above fails the typecheck here, not a user's file.
type MissingKinds = Exclude<InsightKind, (typeof INSIGHT_KINDS)[number]>;
const allKindsListed: [MissingKinds] extends [never] ? true : MissingKinds = true;
void allKindsListed;

/** A file's size limit: a scenario is a few lines; anything bigger is a wrong path. */
export const MAX_SCENARIO_BYTES = 1024 * 1024;

/** Bad scenario file: `file:line: field: what is wrong`, one line, exit 2. */
export class ScenarioError extends UsageError {
  constructor(file: string, line: number | null, path: string | null, message: string) {
    super(`${file}${line === null ? '' : `:${line}`}: ${path === null ? '' : `${path}: `}${message}`);
  }
}
