import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '../util/errors.js';

/** How a user installs every server the models drive (Debian packages; see the script). */
export const INSTALL_COMMAND = 'bash scripts/install-servers.sh';

/**
 * Where Debian's packages put the servers. Absolute paths on purpose: the `python3` (and
 * `flask`) first on PATH may be another installation (pyenv, a venv) without gevent,
 * gunicorn or psycopg2; Debian's modules are on /usr/bin/python3 only, and /usr/bin/flask and
 * /usr/bin/gunicorn run that interpreter (their shebang).
 */
export const DEBIAN = {
  python3: '/usr/bin/python3',
  flask: '/usr/bin/flask',
  gunicorn: '/usr/bin/gunicorn',
  /** An alternatives link to uwsgi-core: modular, its languages are plugins (below). */
  uwsgi: '/usr/bin/uwsgi',
  uwsgiPlugins: '/usr/lib/uwsgi/plugins',
  nginx: '/usr/sbin/nginx',
  /** PostgreSQL's server binaries are versioned and off PATH: /usr/lib/postgresql/<major>/bin. */
  postgresRoot: '/usr/lib/postgresql',
} as const;

/** One thing a model needs on this machine before anything is started. */
export type Need =
  | { readonly kind: 'binary'; readonly path: string }
  | { readonly kind: 'python-module'; readonly name: string }
  | { readonly kind: 'uwsgi-plugin'; readonly name: string };

/** What was found on this machine, for the needs asked about. */
export interface Found {
  readonly binaries: ReadonlySet<string>;
  readonly pythonModules: ReadonlySet<string>;
  readonly uwsgiPlugins: ReadonlySet<string>;
}

export const binary = (path: string): Need => ({ kind: 'binary', path });
export const pythonModule = (name: string): Need => ({ kind: 'python-module', name });
export const uwsgiPlugin = (name: string): Need => ({ kind: 'uwsgi-plugin', name });

/** The needs that `found` does not satisfy, in the order given. Pure. */
export function missingNeeds(needs: readonly Need[], found: Found): Need[] {
  return needs.filter((need) => {
    switch (need.kind) {
      case 'binary':
        return !found.binaries.has(need.path);
      case 'python-module':
        return !found.pythonModules.has(need.name);
      case 'uwsgi-plugin':
        return !found.uwsgiPlugins.has(need.name);
    }
  });
}

export function describeNeed(need: Need): string {
  switch (need.kind) {
    case 'binary':
      return need.path;
    case 'python-module':
      return `the Python module ${need.name} (for ${DEBIAN.python3})`;
    case 'uwsgi-plugin':
      return `the uWSGI plugin ${need.name}`;
  }
}

/** One line: what is missing and how to install it. Pure. */
export function missingMessage(what: string, missing: readonly Need[]): string {
  return `${what} needs ${missing.map(describeNeed).join(', ')}, not found here: run ${INSTALL_COMMAND}`;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Which Python modules Debian's interpreter can import. find_spec, not import: it answers
 * without running the modules (importing gevent alone costs ~100 ms).
 */
function importableModules(names: readonly string[]): Set<string> {
  if (names.length === 0 || !isExecutable(DEBIAN.python3)) return new Set();
  const script = [
    'import importlib.util, sys',
    'for name in sys.argv[1:]:',
    '    try:',
    '        found = importlib.util.find_spec(name) is not None',
    '    except Exception:',
    '        found = False',
    '    if found: print(name)',
  ].join('\n');
  // -I (isolated): PYTHONPATH and the user's site-packages must not answer for Debian's.
  const result = spawnSync(DEBIAN.python3, ['-I', '-c', script, ...names], { encoding: 'utf8', timeout: 10_000 });
  return new Set(result.status === 0 ? result.stdout.split('\n').filter(Boolean) : []);
}

/** Looks on this machine for exactly the needs given (no more: each look has a cost). */
export function probeHost(needs: readonly Need[]): Found {
  const binaries = new Set<string>();
  const uwsgiPlugins = new Set<string>();
  const modules: string[] = [];
  for (const need of needs) {
    if (need.kind === 'binary' && isExecutable(need.path)) binaries.add(need.path);
    if (need.kind === 'uwsgi-plugin' && existsSync(join(DEBIAN.uwsgiPlugins, `${need.name}_plugin.so`))) uwsgiPlugins.add(need.name);
    if (need.kind === 'python-module' && !modules.includes(need.name)) modules.push(need.name);
  }
  return { binaries, pythonModules: importableModules(modules), uwsgiPlugins };
}

/** The newest PostgreSQL server's bin directory (Debian installs them side by side), or null. */
export function postgresBinDir(): string | null {
  let majors: number[];
  try {
    majors = readdirSync(DEBIAN.postgresRoot).map(Number).filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return null;
  }
  majors.sort((a, b) => b - a);
  for (const major of majors) {
    const bin = join(DEBIAN.postgresRoot, String(major), 'bin');
    if (isExecutable(join(bin, 'initdb'))) return bin;
  }
  return null;
}

/** What a model lacks on this machine (empty: it can run). Looks only for its own needs. */
export function missingForModel(model: { readonly needs?: readonly Need[] }): Need[] {
  const needs = model.needs ?? [];
  return needs.length === 0 ? [] : missingNeeds(needs, probeHost(needs));
}

/** Throws the one-line error (exit 1) when the model cannot run here; call before starting anything. */
export function assertRunnable(model: { readonly name: string; readonly needs?: readonly Need[] }): void {
  const missing = missingForModel(model);
  if (missing.length > 0) throw new RuntimeError(missingMessage(`model '${model.name}'`, missing));
}
