import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';
import type { Launch, LaunchContext, ModelSpec } from './registry.js';
import { binary, DEBIAN, pythonModule, uwsgiPlugin, type Need } from './requirements.js';

/**
 * The tutorial's Python servers (issue 3; iximiuz.com/en/posts/flask-gevent-tutorial), each
 * started with the tutorial's own command on Debian's packages, bound to 127.0.0.1. They all
 * run the same app (servers/app.py); only the server around it differs, and that is the shape
 * each model shows.
 */

/** app.py, patched.py, pywsgi.py (and app_db.py, patched_db.py for --db): real files a user can read and run by hand. */
export function serversDir(): string {
  return join(packageRoot(), 'src', 'models', 'servers');
}

/**
 * The module the server imports the app from: app.py, or with --db postgres app_db.py (the
 * tutorial's bonus app). The gevent models import it through their patched entry point.
 */
function appModule(context: LaunchContext, kind: 'plain' | 'patched'): string {
  if (kind === 'plain') return context.db ? 'app_db' : 'app';
  return context.db ? 'patched_db' : 'patched';
}

function python(context: LaunchContext, argv: readonly string[], stopSignal: NodeJS.Signals, env: Record<string, string> = {}): Launch {
  return {
    argv,
    env: {
      UPSTREAM_URL: context.upstreamUrl,
      // Read by patched_db.py (--psycogreen); DATABASE_URL comes with the companions' env.
      ...(context.db?.psycogreen ? { PSYCOGREEN: '1' } : {}),
      // The servers' own output is the tail shown when one dies: unbuffered, or it is lost.
      PYTHONUNBUFFERED: '1',
      // Only the app's directory: a PYTHONPATH from the user's shell must not shadow Debian's modules.
      PYTHONPATH: serversDir(),
      ...env,
      ...context.companions?.env,
    },
    // Every server imports `app` / `patched` from here (gunicorn and flask put cwd on sys.path).
    cwd: serversDir(),
    stopSignal,
  };
}

/** gunicorn's own default --worker-connections; the tutorial's ASYNC_CORES for uWSGI. */
const GUNICORN_GEVENT_CONNECTIONS = 1000;
const UWSGI_GEVENT_CORES = 2000;

const APP_MODULES: readonly Need[] = [pythonModule('flask'), pythonModule('requests')];
const GEVENT_MODULES: readonly Need[] = [...APP_MODULES, pythonModule('gevent')];

/** `flask run`: Werkzeug's development server; the reloader would fork a second process. */
function flaskRun(context: LaunchContext, threads: '--with-threads' | '--without-threads'): Launch {
  const argv = [DEBIAN.flask, 'run', '--no-reload', threads, '--host', context.host, '--port', String(context.port)];
  // SIGINT: Werkzeug's serve_forever ends on KeyboardInterrupt, closing its socket.
  return python(context, argv, 'SIGINT', { FLASK_APP: appModule(context, 'plain') });
}

/**
 * uWSGI as Debian ships it: languages are plugins (`--plugin python3`), or `--module` is an
 * unknown option. `--need-app`: exit at once when the module fails to import, instead of
 * serving 500s until the readiness probe gives up. Stopped with SIGINT: uWSGI reloads itself
 * on SIGTERM (uwsgi-docs "Things to know": SIGTERM = brutal reload unless --die-on-term).
 * Behind nginx it speaks the uwsgi protocol (`--socket`, the tutorial's PROTOCOL=uwsgi).
 */
function uwsgi(context: LaunchContext, plugins: string, modelArgs: readonly string[], kind: 'plain' | 'patched'): Launch {
  const module = `${appModule(context, kind)}:app`;
  const socket = context.companions?.backendProtocol === 'uwsgi' ? '--socket' : '--http-socket';
  const argv = [
    DEBIAN.uwsgi, '--plugins', plugins, '--master', ...modelArgs,
    socket, `${context.host}:${context.port}`, '--need-app', '--module', module,
  ];
  return python(context, argv, 'SIGINT');
}

export const pythonModels: readonly ModelSpec[] = [
  {
    name: 'flask-dev',
    family: 'python',
    summary: 'Flask dev server, single-threaded: flask run --without-threads',
    expectedShape: '1 process, 1 thread: requests served one at a time (rps = 1/delay)',
    defaults: { workers: null, threads: null, asyncCores: null },
    needs: [binary(DEBIAN.flask), ...APP_MODULES],
    path: '/',
    launch: (context) => flaskRun(context, '--without-threads'),
  },
  {
    name: 'flask-threaded',
    family: 'python',
    summary: 'Flask dev server, a thread per request: flask run --with-threads',
    expectedShape: '1 process; a thread per in-flight request, born on demand, gone after',
    defaults: { workers: null, threads: null, asyncCores: null },
    needs: [binary(DEBIAN.flask), ...APP_MODULES],
    path: '/',
    launch: (context) => flaskRun(context, '--with-threads'),
  },
  {
    name: 'gunicorn',
    family: 'python',
    summary: 'gunicorn, N prefork workers x T threads (gthread when T > 1, sync when T = 1)',
    expectedShape: '1 + N processes before the first request; worker threads born under load, never shrink',
    defaults: { workers: 4, threads: 50, asyncCores: null },
    needs: [binary(DEBIAN.gunicorn), ...APP_MODULES],
    path: '/',
    // The tutorial's command as is: gunicorn itself picks gthread when --threads > 1 and the
    // worker class is the default sync (docs.gunicorn.org, settings: threads).
    launch: (context) =>
      python(context, [
        DEBIAN.gunicorn, '--workers', String(context.workers), '--threads', String(context.threads),
        '--bind', `${context.host}:${context.port}`, `${appModule(context, 'plain')}:app`,
      ], 'SIGINT'), // SIGINT: quick shutdown; SIGTERM would wait up to 30 s for in-flight requests
  },
  {
    name: 'gunicorn-gevent',
    family: 'python',
    summary: 'gunicorn with gevent workers: a greenlet per request, --async-cores per worker',
    expectedShape: '1 + N processes; one busy thread per worker, plus gevent\'s pool threads (DNS) under load',
    defaults: { workers: 1, threads: null, asyncCores: GUNICORN_GEVENT_CONNECTIONS },
    needs: [binary(DEBIAN.gunicorn), ...GEVENT_MODULES],
    gevent: true,
    path: '/',
    // --worker-connections is gunicorn's cap on greenlets per gevent worker (default 1000).
    launch: (context) =>
      python(context, [
        DEBIAN.gunicorn, '--worker-class', 'gevent', '--workers', String(context.workers),
        '--worker-connections', String(context.asyncCores ?? GUNICORN_GEVENT_CONNECTIONS),
        '--bind', `${context.host}:${context.port}`, `${appModule(context, 'patched')}:app`,
      ], 'SIGINT'),
  },
  {
    name: 'gevent',
    family: 'python',
    summary: 'gevent.pywsgi.WSGIServer after monkey.patch_all(): one process, one hub',
    expectedShape: '1 process; gevent\'s hub thread pool (up to 10, for blocking calls such as DNS) when used',
    defaults: { workers: null, threads: null, asyncCores: null },
    needs: [binary(DEBIAN.python3), ...GEVENT_MODULES],
    path: '/',
    gevent: true,
    // pywsgi.py patches, then imports the app; with --db from patched_db (psycogreen, the DB app).
    launch: (context) =>
      python(context, [
        DEBIAN.python3, join(serversDir(), 'pywsgi.py'), context.host, String(context.port), ...(context.db ? [appModule(context, 'patched')] : []),
      ], 'SIGINT'),
  },
  {
    name: 'uwsgi',
    family: 'python',
    summary: 'uWSGI, a master and N workers x T threads, all started up front',
    expectedShape: '1 + N processes and all N x T threads before the first request, flat under load',
    defaults: { workers: 4, threads: 50, asyncCores: null },
    needs: [binary(DEBIAN.uwsgi), uwsgiPlugin('python3'), ...APP_MODULES],
    proxyProtocol: 'uwsgi',
    closesConnections: true,
    path: '/',
    launch: (context) =>
      uwsgi(context, 'python3', ['--workers', String(context.workers), '--threads', String(context.threads)], 'plain'),
  },
  {
    name: 'uwsgi-gevent',
    family: 'python',
    summary: 'uWSGI with the gevent loop: N workers x --async-cores green threads',
    expectedShape: '1 + N processes up front; green threads, few OS threads',
    defaults: { workers: 1, threads: null, asyncCores: UWSGI_GEVENT_CORES },
    needs: [binary(DEBIAN.uwsgi), uwsgiPlugin('python3'), uwsgiPlugin('gevent_python3'), ...GEVENT_MODULES],
    gevent: true,
    proxyProtocol: 'uwsgi',
    closesConnections: true,
    path: '/',
    // --single-interpreter: gevent's monkey patching is per interpreter (the tutorial's flags).
    launch: (context) =>
      uwsgi(context, 'python3,gevent_python3', [
        '--single-interpreter', '--workers', String(context.workers), '--gevent', String(context.asyncCores ?? UWSGI_GEVENT_CORES),
      ], 'patched'),
  },
];
