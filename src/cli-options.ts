import { availableParallelism } from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseRamp, stagesDurationMs, type Stage } from './load/schedule.js';
import { allModels, findModel, modelNames, configureModel, type ModelSpec } from './models/registry.js';
import { MODEL_OPTION_FLAGS, ownServer } from './models/custom.js';
import type { SessionConfig } from './session/events.js';
import type { Guards } from './insights/guard-types.js';
import { UsageError } from './util/errors.js';
import { isScenarioCommand, parseScenarioArgs, type ScenarioCliCommand } from './scenario/args.js';
import { isReportCommand, parseReportArgs, type ReportCliCommand } from './report/command.js';
import { isReplayCommand, parseReplayArgs, type ReplayCliCommand } from './session/replay-args.js';
import type { DockerOptions } from './docker/types.js';

/** What the command line asked for, validated. */
export type CliCommand =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'models' }
  /** `run FILE.yaml` (kind 'scenario': 'run' is a plain run) and `compare …`: src/scenario. */
  | ScenarioCliCommand
  /** `report FILE.ndjson …`: src/report/command.ts. */
  | ReportCliCommand
  /** `replay FILE.ndjson`: src/frontend/replay-command.ts. */
  | ReplayCliCommand
  /** `docker build [--force]`: (re)build watchload's model image on the engine. */
  | { readonly kind: 'docker-build'; readonly force: boolean }
  | {
      readonly kind: 'run';
      readonly model: ModelSpec;
      readonly config: SessionConfig;
      readonly port: number | null;
      readonly json: boolean;
      readonly tui: boolean;
      /** False with --no-color (NO_COLOR is read by the TUI itself). */
      readonly color: boolean;
      readonly requestTimeoutS: number;
      readonly readyTimeoutS: number;
      /** --report FILE: a report file written at the end (HTML, or .md / .json by extension). */
      readonly reportFile?: string | null;
      /** --record FILE: the session's events as NDJSON, for `watchload replay FILE`. */
      readonly record?: string | null;
      /** --docker: the server runs in a container on a Docker Engine; null or absent: on this host. */
      readonly docker?: DockerOptions | null;
    };

function wholeNumber(min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return value;
  };
}

function seconds(min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
      throw new InvalidArgumentError(`expected seconds from ${min} to ${max}`);
    }
    return value;
  };
}

function rate(raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0 || value > 1_000_000) {
    throw new InvalidArgumentError('expected requests per second, more than 0 and at most 1000000');
  }
  return value;
}

function milliseconds(raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0 || value > 86_400_000) {
    throw new InvalidArgumentError('expected milliseconds, more than 0');
  }
  return value;
}

/** `--max-errors 5` (a count) or `--max-errors 1%` (a share of the requests). */
function errorLimit(raw: string): NonNullable<Guards['maxErrors']> {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(raw);
  const value = match ? Number(match[1]) : NaN;
  if (!match || !Number.isFinite(value)) throw new InvalidArgumentError('expected a count (5) or a percentage (1%)');
  if (match[2] === '%') {
    if (value > 100) throw new InvalidArgumentError('a percentage is at most 100%');
    return { percent: value };
  }
  if (!Number.isInteger(value)) throw new InvalidArgumentError('a count is a whole number (or give a percentage: 1%)');
  return { count: value };
}

/** --memory: bytes, or with a unit as docker takes it (b, k, m, g; KiB… and KB… read as powers of 1024). */
export function memorySize(raw: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$/i.exec(raw);
  if (!match) throw new InvalidArgumentError('expected a size such as 512m or 1g');
  const unit = (match[2] ?? 'b').toLowerCase()[0];
  const bytes = Math.round(Number(match[1]) * 1024 ** ({ b: 0, k: 1, m: 2, g: 3 } as Record<string, number>)[unit]);
  // The engine refuses less than 6 MiB (docker run: "Minimum memory limit allowed is 6MB").
  if (bytes < 6 * 1024 ** 2) throw new InvalidArgumentError('at least 6m (the engine refuses less)');
  if (bytes > 2 ** 50) throw new InvalidArgumentError('at most 1024t');
  return bytes;
}

function cpus(raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0.01 || value > 1024) throw new InvalidArgumentError('expected cores, from 0.01 to 1024 (e.g. 1.5)');
  return value;
}

function ramp(raw: string): Stage[] {
  try {
    return parseRamp(raw);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message.replace(/^--ramp: /, ''));
  }
}

/** With --rate, -c caps the connections; they open only as the schedule needs them. */
export const OPEN_LOOP_CONNECTIONS = 1000;

const EXAMPLES = `
Examples:
  watchload --model cluster --workers 4              a Node cluster under 50 connections for 30 s
  watchload --model single -c 200 -n 2000 --delay 1  the tutorial's load on one event loop
  watchload --model cluster --json -d 5              no TUI: the JSON report on stdout
  watchload --model flask-threaded --rate 200 -d 20  open loop: 200 requests/s whatever the server does
  watchload --model gthread --ramp 10:10,10:50,10:200 closed loop in steps: 10, then 50, then 200 connections
  watchload --model cluster --rate --ramp 10:100,10:400 open loop in steps of requests/s
  watchload --model uwsgi-gevent --db postgres -c 5 -n 10 --delay 1 [--psycogreen]
                                                     the tutorial's bonus: psycopg2 blocks the hub, or not
  watchload --cmd "python3 -m http.server 8000" --url http://127.0.0.1:8000/
                                                     your own server: started, watched, stopped
  watchload --attach 1234 --url http://127.0.0.1:8000/
                                                     a server already running: watched, left running
  watchload --model gunicorn --threads 50 --docker --pids-limit 100
                                                     the server in a container (DOCKER_HOST): watch threads hit the pids limit
  watchload docker build                             (re)build the image --docker runs the models in
  watchload models                                   the models and what they show

Keys (TUI): q / Ctrl-C quit, space or p pause/resume, ↑/↓ connections, ←/→ rate (open loop), f freeze,
            t collapse threads, s sort, / filter, j/k cursor, ? or h help.
Exit codes: 0 done, 1 runtime failure (server failed or died), 2 usage error, 3 a guard or expectation failed,
            130 interrupted.`;

function buildProgram(): Command {
  const program = new Command('watchload')
    .description('Start an HTTP server under a concurrency model, drive load at it, and watch its processes and threads live beside the latency clients feel.')
    .usage('[options]\n       watchload models\n       watchload run FILE.yaml [--json] [--no-tui]\n       watchload compare FILE.yaml | --models a,b,c [load options] [--markdown | --json]\n       watchload report FILE.ndjson [-o OUT] [--format html|md|json]\n       watchload replay FILE.ndjson [--json | --no-tui]\n       watchload docker build [--force]')
    .addOption(new Option('--model <name>', `concurrency model: ${modelNames().join(', ')}`).default('cluster'))
    .addOption(new Option('--workers <n>', 'worker processes, for models that have them (default: the model\'s)').argParser(wholeNumber(1, 256)))
    .addOption(new Option('--threads <n>', 'threads per worker, for models that have them').argParser(wholeNumber(1, 10_000)))
    .addOption(new Option('--async-cores <n>', 'green threads per worker, for the gevent models (uWSGI --gevent, gunicorn --worker-connections)').argParser(wholeNumber(1, 100_000)))
    .addOption(new Option('--proxy <name>', 'a proxy in front of the server; the load goes to it').choices(['nginx']))
    .addOption(new Option('--db <name>', 'each request also waits on a database watchload starts (the Python models: SELECT NOW(), pg_sleep(delay/2) via psycopg2)').choices(['postgres']))
    .option('--psycogreen', 'with --db, on the gevent models: psycogreen.gevent.patch_psycopg() first, so queries yield to the hub')
    .option('--cmd <command>', 'your own server instead of a model: run COMMAND with /bin/sh -c, in its own process group, stopped at the end (needs --url)')
    .addOption(new Option('--attach <pid>', 'watch a server already running, from PID down; it is never started nor stopped (needs --url)').argParser(wholeNumber(1, 4_194_304)))
    .option('--url <url>', 'with --cmd or --attach: where your server answers (http://); readiness probe and load go there as given')
    .addOption(new Option('-c, --connections <n>', `concurrent connections (closed loop); with --rate, the most the schedule may use (default ${OPEN_LOOP_CONNECTIONS})`).argParser(wholeNumber(1, 10_000)).default(50))
    .addOption(new Option('--rate [requests/s]', 'open loop: send on a schedule, whatever the responses do (latency counted from the intended send time); alone with --ramp: the ramp steps the rate').argParser(rate))
    .addOption(new Option('--ramp <steps>', 'steps over time, SECONDS:VALUE,…: connections (or requests/s with --rate); sets the duration').argParser(ramp))
    .addOption(new Option('--load-workers <n>', 'worker threads that send the load (when one cannot keep up)').argParser(wholeNumber(1, 64)).default(1))
    .addOption(new Option('-n, --requests <n>', 'total requests to send').argParser(wholeNumber(1, 100_000_000)))
    .addOption(new Option('-d, --duration <seconds>', 'how long to load (default 30 when -n is not given)').argParser(seconds(0.1, 86_400)))
    .addOption(new Option('--delay <seconds>', 'upstream delay per request').argParser(seconds(0, 600)).default(0.2))
    .addOption(new Option('--interval <ms>', 'sampling interval of /proc').argParser(wholeNumber(20, 60_000)).default(250))
    .addOption(new Option('--port <n>', 'port of the server (default: a free one)').argParser(wholeNumber(1, 65_535)))
    .addOption(new Option('--timeout <seconds>', 'per-request timeout').argParser(seconds(0.1, 3_600)).default(30))
    .addOption(new Option('--ready-timeout <seconds>', 'how long the server may take to answer').argParser(seconds(0.1, 600)).default(30))
    .addOption(new Option('--max-threads <n>', 'CI guard: fail (exit 3) if the server\'s threads ever exceed N').argParser(wholeNumber(1, 10_000_000)))
    .addOption(new Option('--max-processes <n>', 'CI guard: fail (exit 3) if the server\'s processes ever exceed N').argParser(wholeNumber(1, 10_000_000)))
    .addOption(new Option('--max-p99 <ms>', 'CI guard: fail (exit 3) if p99 latency exceeds MS (live window or whole run)').argParser(milliseconds))
    .addOption(new Option('--max-errors <n|%>', 'CI guard: fail (exit 3) if failed requests exceed N, or N% of the requests').argParser(errorLimit))
    .option('--docker', 'run the server in a container on a Docker Engine (DOCKER_HOST; watchload\'s model image is built locally when missing)')
    .option('--docker-image <image>', 'with --docker: run the model\'s command in this image instead (Debian paths: /usr/bin/python3, gunicorn, uwsgi…)')
    .addOption(new Option('--cpus <n>', 'with --docker: CPU quota of the container, in cores').argParser(cpus))
    .addOption(new Option('--pids-limit <n>', 'with --docker: most processes and threads the container may have').argParser(wholeNumber(1, 4_194_304)))
    .addOption(new Option('--memory <size>', 'with --docker: memory limit of the container (512m, 1g)').argParser(memorySize))
    .addOption(new Option('--docker-sampling <source>', 'with --docker: threads from this host\'s /proc (a local engine) or the engine\'s top (any engine, ≥ 1 s)').choices(['auto', 'proc', 'engine']).default('auto'))
    .option('--no-keepalive', 'a new connection for every request, as ab does without -k')
    .option('--no-tui', 'plain status lines on stderr instead of the live view')
    .option('--no-color', 'a monochrome live view (as NO_COLOR=1 does): no colours; bold and inverse stay')
    .option('--json', 'print only the JSON report on stdout (implies --no-tui)')
    .option('--record <file>', 'also write the session\'s events to FILE (NDJSON): watchload replay FILE shows it again')
    .option('--report <file>', 'also write a report at the end: one self-contained HTML file with charts (.md: Markdown, .json: the JSON report)')
    .addHelpText('after', EXAMPLES)
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(true)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  return program;
}

/** Parses argv (without node and script); throws UsageError for anything wrong. */
export function parseCli(argv: readonly string[]): CliCommand {
  // The scenario commands take their own few flags; each run's flags come back here, one run at a time.
  if (isScenarioCommand(argv)) return parseScenarioArgs(argv);
  if (isReportCommand(argv)) return parseReportArgs(argv);
  if (isReplayCommand(argv)) return parseReplayArgs(argv);
  if (argv[0] === 'docker') return parseDockerCommand(argv.slice(1));
  const program = buildProgram();
  let helpText = '';
  program.configureOutput({ writeOut: (text) => (helpText += text), writeErr: () => undefined, outputError: () => undefined });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help') return { kind: 'help', text: helpText };
      throw new UsageError(error.message.replace(/^error: /, ''));
    }
    throw error;
  }
  const [subcommand, ...rest] = program.args;
  if (subcommand === 'models' && rest.length === 0) return { kind: 'models' };
  if (subcommand === 'run' || subcommand === 'compare') throw new UsageError(`'${subcommand}' comes first: watchload ${subcommand} FILE.yaml …`);
  if (subcommand !== undefined) throw new UsageError(`unknown command '${subcommand}' (commands: models, run, compare, report, replay, docker build)`);

  const options = program.opts<{
    model: string; workers?: number; threads?: number; asyncCores?: number; proxy?: 'nginx'; db?: 'postgres'; psycogreen?: boolean; connections: number; requests?: number; duration?: number;
    rate?: number | true; ramp?: Stage[]; loadWorkers: number;
    maxThreads?: number; maxProcesses?: number; maxP99?: number; maxErrors?: Guards['maxErrors'];
    cmd?: string; attach?: number; url?: string;
    docker?: boolean; dockerImage?: string; cpus?: number; pidsLimit?: number; memory?: number; dockerSampling: DockerOptions['sampling'];
    delay: number; interval: number; port?: number; timeout: number; readyTimeout: number; keepalive: boolean; tui: boolean; json?: boolean; report?: string; record?: string;
  }>();
  // --cmd / --attach: the user's own server, which the model flags do not apply to.
  const givenModelFlags = Object.entries(MODEL_OPTION_FLAGS).filter(([key]) => program.getOptionValueSource(key) === 'cli').map(([, flag]) => flag);
  const own = ownServer({ cmd: options.cmd, attach: options.attach, url: options.url }, givenModelFlags);
  const spec = own ?? findModel(options.model);
  if (!spec) throw new UsageError(`unknown model '${options.model}' (valid: ${modelNames().join(', ')})`);
  if (options.workers !== undefined && spec.defaults.workers === null) throw new UsageError(`model '${spec.name}' has no workers: drop --workers`);
  if (options.threads !== undefined && spec.defaults.threads === null) throw new UsageError(`model '${spec.name}' has no thread setting: drop --threads`);
  if (options.asyncCores !== undefined && (spec.defaults.asyncCores ?? null) === null) throw new UsageError(`model '${spec.name}' has no async cores: drop --async-cores`);
  if (options.db !== undefined && spec.family !== 'python') throw new UsageError(`model '${spec.name}' runs no Python app: --db is for the Python models`);
  if (options.psycogreen === true && spec.gevent !== true) throw new UsageError(`model '${spec.name}' does not run on gevent: --psycogreen is for the gevent models (${allModels().filter((m) => m.gevent).map((m) => m.name).join(', ')})`);
  if (options.psycogreen === true && options.db === undefined) throw new UsageError('--psycogreen patches psycopg2: add --db postgres');
  const docker = dockerOptions(options, program, own !== null);
  const model = configureModel(spec, { asyncCores: options.asyncCores, proxy: options.proxy ?? null, db: options.db ?? null, psycogreen: options.psycogreen === true });
  if (options.requests !== undefined && options.duration !== undefined) throw new UsageError('give -n/--requests or -d/--duration, not both');
  const stages = options.ramp ?? null;
  const explicitConnections = program.getOptionValueSource('connections') !== 'default';
  if (options.rate === true && stages === null) throw new UsageError('--rate needs requests per second (e.g. --rate 200), or --ramp to step the rate');
  if (stages !== null) {
    const seconds = stagesDurationMs(stages) / 1000;
    if (options.duration !== undefined || options.requests !== undefined) throw new UsageError(`--ramp sets the duration (${seconds} s): drop ${options.duration !== undefined ? '-d' : '-n'}`);
    if (typeof options.rate === 'number') throw new UsageError('--ramp with --rate: give --rate without a value, the ramp steps the rate');
    if (options.rate === undefined && explicitConnections) throw new UsageError('--ramp steps the connections: drop -c');
    if (options.rate === undefined && stages.some((s) => !Number.isInteger(s.value))) throw new UsageError('--ramp: connections are whole numbers');
    if (options.rate === undefined && stages.every((s) => s.value < 1)) throw new UsageError('--ramp: some stage needs at least 1 connection');
  }
  const openLoop = options.rate !== undefined;
  const requests = options.requests ?? null;
  const durationS = stages !== null ? stagesDurationMs(stages) / 1000 : requests === null ? options.duration ?? 30 : null;
  const connections = stages !== null && !openLoop ? Math.max(...stages.map((s) => s.value)) : openLoop && !explicitConnections ? OPEN_LOOP_CONNECTIONS : options.connections;
  if (options.loadWorkers > connections) throw new UsageError(`--load-workers ${options.loadWorkers} needs at least as many connections, got ${connections}`);
  if (requests !== null && options.loadWorkers > requests) throw new UsageError(`--load-workers ${options.loadWorkers} needs at least as many requests, got -n ${requests}`);
  return {
    kind: 'run',
    model,
    config: {
      model: model.name,
      workers: options.workers ?? model.defaults.workers,
      threads: options.threads ?? model.defaults.threads,
      connections,
      requests,
      durationS,
      delayS: own ? 0 : options.delay,
      intervalMs: options.interval,
      keepAlive: options.keepalive && !(spec.closesConnections === true && !options.proxy),
      rate: typeof options.rate === 'number' ? options.rate : null,
      ramp: stages === null ? null : { unit: openLoop ? 'rate' : 'connections', stages },
      loadWorkers: options.loadWorkers,
      cores: availableParallelism(),
      guards: {
        maxThreads: options.maxThreads ?? null,
        maxProcesses: options.maxProcesses ?? null,
        maxP99Ms: options.maxP99 ?? null,
        maxErrors: options.maxErrors ?? null,
      },
    },
    port: options.port ?? null,
    json: options.json === true,
    tui: options.tui && options.json !== true,
    color: program.opts().color !== false,
    requestTimeoutS: options.timeout,
    readyTimeoutS: options.readyTimeout,
    reportFile: options.report ?? null,
    record: options.record ?? null,
    docker,
  };
}

const DOCKER_ONLY_FLAGS = { dockerImage: '--docker-image', cpus: '--cpus', pidsLimit: '--pids-limit', memory: '--memory', dockerSampling: '--docker-sampling' } as const;

function dockerOptions(
  options: { docker?: boolean; dockerImage?: string; cpus?: number; pidsLimit?: number; memory?: number; dockerSampling: DockerOptions['sampling'] },
  program: Command,
  ownServer: boolean,
): DockerOptions | null {
  const given = Object.entries(DOCKER_ONLY_FLAGS).filter(([key]) => program.getOptionValueSource(key) === 'cli').map(([, flag]) => flag);
  if (options.docker !== true) {
    if (given.length > 0) throw new UsageError(`${given[0]} is for a server in a container: add --docker`);
    return null;
  }
  if (ownServer) throw new UsageError('--docker runs a model\'s server in a container: it does not take --cmd or --attach');
  if (options.dockerImage !== undefined && !/^[\w][\w.\-/:@]*$/.test(options.dockerImage)) throw new UsageError(`--docker-image '${options.dockerImage}' is not an image reference`);
  return {
    image: options.dockerImage ?? null,
    cpus: options.cpus ?? null,
    pidsLimit: options.pidsLimit ?? null,
    memoryBytes: options.memory ?? null,
    sampling: options.dockerSampling,
  };
}

/** `watchload docker build [--force]`: the only docker subcommand. */
function parseDockerCommand(rest: readonly string[]): CliCommand {
  const [verb, ...flags] = rest;
  if (verb !== 'build') throw new UsageError(`unknown docker command '${verb ?? ''}' (docker commands: build)`);
  const unknown = flags.find((flag) => flag !== '--force');
  if (unknown !== undefined) throw new UsageError(`docker build: unknown option '${unknown}' (takes --force)`);
  return { kind: 'docker-build', force: flags.includes('--force') };
}
