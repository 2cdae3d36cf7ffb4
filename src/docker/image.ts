import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type Dockerode from 'dockerode';
import { RuntimeError } from '../util/errors.js';

/**
 * watchload's model image (issue 7): a Debian root filesystem made by debootstrap with the
 * packages the models run on, imported into the engine. Nothing can be pulled here (no registry
 * answers), but Debian's mirror does, so the image is built from it, once per package list.
 */

/** Debian's packages the models need in the container; nodejs so that the Node models run too. */
export const MODEL_PACKAGES: readonly string[] = [
  'python3',
  'procps',
  'python3-flask',
  'python3-requests',
  'gunicorn',
  'python3-gevent',
  'uwsgi',
  'uwsgi-plugin-python3',
  'uwsgi-plugin-gevent-python3',
  'python3-psycopg2',
  'python3-psycogreen',
  'nodejs',
];

/** The Debian release the image is made of: the one these package names are checked against. */
export const MODEL_SUITE = 'bookworm';

/** Bump when the way the image is made changes (trimming, ENV, labels): a new ref, a new build. */
const IMAGE_FORMAT = 1;

export const MODEL_REPO = 'watchload-models';

/** Label of every image watchload builds, so that they can be found (and removed) by kind. */
export const IMAGE_LABEL = 'io.watchload.image';

const FALLBACK_MIRROR = 'http://deb.debian.org/debian';

/** How many of debootstrap's last lines a failure shows. */
const TAIL_LINES = 20;

/** `watchload-models:<12 hex>`: named by a content hash of what it is made of, so a changed list is a new image. */
export function modelImageRef(packages: readonly string[] = MODEL_PACKAGES, suite: string = MODEL_SUITE): string {
  const content = [`format ${IMAGE_FORMAT}`, `suite ${suite}`, ...[...packages].sort()].join('\n');
  return `${MODEL_REPO}:${createHash('sha256').update(content).digest('hex').slice(0, 12)}`;
}

// ---------------------------------------------------------------------------------------------
// The Debian mirror this machine's apt uses (sources.list(5)).

/** One apt sources file: `.sources` files are deb822, any other one-line format. */
export interface AptSourcesFile {
  readonly path: string;
  readonly text: string;
}

interface AptEntry {
  readonly types: readonly string[];
  readonly uris: readonly string[];
  readonly suites: readonly string[];
}

/** deb822 stanzas (sources.list(5), "DEB822-STYLE FORMAT"): fields, continuation lines, `#` comments. */
function deb822Entries(text: string): AptEntry[] {
  const entries: AptEntry[] = [];
  for (const stanza of text.split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    let last: string | null = null;
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#')) continue;
      if (/^[ \t]/.test(line)) {
        // A continuation line (Signed-By's key block): belongs to the field above.
        if (last !== null) fields.set(last, `${fields.get(last)} ${line.trim()}`);
        continue;
      }
      const match = /^([A-Za-z0-9-]+):(.*)$/.exec(line);
      if (!match) continue;
      last = match[1].toLowerCase();
      fields.set(last, match[2].trim());
    }
    if (/^(no|false|off)$/i.test(fields.get('enabled') ?? '')) continue;
    const words = (name: string) => (fields.get(name) ?? '').split(/\s+/).filter((w) => w !== '');
    entries.push({ types: words('types'), uris: words('uris'), suites: words('suites') });
  }
  return entries;
}

/** One-line entries: `deb [ options ] uri suite [component…]`. */
function oneLineEntries(text: string): AptEntry[] {
  const entries: AptEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').replace(/\[[^\]]*\]/, ' ').trim();
    const [type, uri, suite] = line.split(/\s+/);
    if (type === undefined || uri === undefined || suite === undefined) continue;
    entries.push({ types: [type], uris: [uri], suites: [suite] });
  }
  return entries;
}

/**
 * The mirror debootstrap should fetch from: the first `deb` entry for `suite` (or this machine's
 * own codename: the same archive serves both) with an http(s) URI, in apt's reading order (the
 * files as given). A security or updates suite is no full archive, so it never matches; no
 * entry at all gives Debian's own redirector.
 */
export function aptMirror(files: readonly AptSourcesFile[], codename: string | null, suite: string = MODEL_SUITE): string {
  const wanted = new Set([suite, ...(codename ? [codename] : [])]);
  for (const file of files) {
    const entries = file.path.endsWith('.sources') ? deb822Entries(file.text) : oneLineEntries(file.text);
    for (const entry of entries) {
      if (!entry.types.includes('deb') || !entry.suites.some((s) => wanted.has(s))) continue;
      const uri = entry.uris.find((u) => /^https?:\/\/[^/\s]+/.test(u));
      if (uri !== undefined) return uri.replace(/\/+$/, '');
    }
  }
  return FALLBACK_MIRROR;
}

/** VERSION_CODENAME of os-release(5), or null. */
export function osCodename(osReleaseText: string): string | null {
  const match = /^VERSION_CODENAME=["']?([^"'\s]*)["']?\s*$/m.exec(osReleaseText);
  return match && match[1] !== '' ? match[1] : null;
}

/** apt's sources in its reading order (sources.list, then sources.list.d sorted) and this machine's codename. */
export function readAptSources(root = '/'): { files: AptSourcesFile[]; codename: string | null } {
  const read = (path: string): string | null => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  };
  const paths = [join(root, 'etc/apt/sources.list')];
  const dir = join(root, 'etc/apt/sources.list.d');
  try {
    for (const name of readdirSync(dir).sort()) if (name.endsWith('.list') || name.endsWith('.sources')) paths.push(join(dir, name));
  } catch {
    // no sources.list.d
  }
  const files: AptSourcesFile[] = [];
  for (const path of paths) {
    const text = read(path);
    if (text !== null) files.push({ path, text });
  }
  const osRelease = read(join(root, 'etc/os-release')) ?? read(join(root, 'usr/lib/os-release'));
  return { files, codename: osRelease === null ? null : osCodename(osRelease) };
}

// ---------------------------------------------------------------------------------------------
// debootstrap's progress, from the `I:` lines it prints (debootstrap(8) prints no totals).

export interface DebootstrapProgress {
  /** What debootstrap is doing, in its own words: 'retrieving packages', 'configuring the base system'… */
  readonly step: string;
  readonly counting: 'none' | 'retrieved' | 'extracted' | 'unpacked' | 'configured';
  /** .deb files fetched (not the InRelease / Packages indices). */
  readonly retrieved: number;
  readonly extracted: number;
  readonly unpacked: ReadonlySet<string>;
  readonly configured: ReadonlySet<string>;
  /**
   * Packages to install: the number fetched, known once fetching is over. The few that
   * debootstrap installs as pre-dependencies (python3-minimal…) are never announced as
   * unpacked or configured, so those counts may end a little short of it.
   */
  readonly total: number | null;
}

export const INITIAL_DEBOOTSTRAP_PROGRESS: DebootstrapProgress = {
  step: 'starting debootstrap',
  counting: 'none',
  retrieved: 0,
  extracted: 0,
  unpacked: new Set(),
  configured: new Set(),
  total: null,
};

/** debootstrap's announcements of a step (functions, scripts/debian-common), in our words. */
const STEP_LINES: readonly (readonly [RegExp, string, DebootstrapProgress['counting']])[] = [
  [/^I: Retrieving (InRelease|Release|Release\.gpg|Packages)\s*$/, 'fetching the package index', 'none'],
  [/^I: Resolving dependencies/, 'resolving dependencies', 'none'],
  [/^I: Installing core packages/, 'installing the core packages', 'none'],
  [/^I: Unpacking required packages/, 'unpacking the required packages', 'unpacked'],
  [/^I: Configuring required packages/, 'configuring the required packages', 'configured'],
  [/^I: Unpacking the base system/, 'unpacking the base system', 'unpacked'],
  [/^I: Configuring the base system/, 'configuring the base system', 'configured'],
  [/^I: Base system installed successfully/, 'installed', 'none'],
];

/** `libc6:amd64` → `libc6`. */
const packageName = (word: string) => word.replace(/\.\.\.$/, '').replace(/:[a-z0-9]+$/, '');

/** Folds one line debootstrap printed into its progress; lines it does not know leave it as it was. */
export function foldDebootstrapLine(progress: DebootstrapProgress, rawLine: string): DebootstrapProgress {
  const line = rawLine.trimEnd();
  if (/^I: Retrieving \S+ \S+$/.test(line)) {
    return { ...progress, step: 'retrieving packages', counting: 'retrieved', retrieved: progress.retrieved + 1 };
  }
  // Any step after the fetching: everything there is to install has been fetched.
  const total = progress.total ?? (progress.retrieved > 0 ? progress.retrieved : null);
  for (const [pattern, step, counting] of STEP_LINES) {
    if (pattern.test(line)) return { ...progress, step, counting, total };
  }
  let match = /^I: Extracting (\S+)$/.exec(line);
  if (match) return { ...progress, step: 'extracting the required packages', counting: 'extracted', extracted: progress.extracted + 1, total };
  match = /^I: Unpacking (\S+)\.\.\.$/.exec(line);
  if (match) return { ...progress, counting: 'unpacked', unpacked: new Set(progress.unpacked).add(packageName(match[1])), total };
  match = /^I: Configuring (\S+)\.\.\.$/.exec(line);
  if (match) return { ...progress, counting: 'configured', configured: new Set(progress.configured).add(packageName(match[1])), total };
  return progress;
}

/** The step with its count: 'retrieving packages: 37', 'unpacking the base system: 120/178 packages'. */
export function describeDebootstrapProgress(progress: DebootstrapProgress): string {
  const { step, counting, total } = progress;
  const of = (n: number) => (total === null ? `${n} packages` : `${Math.min(n, total)}/${total} packages`);
  switch (counting) {
    case 'retrieved':
      return `${step}: ${progress.retrieved}`;
    case 'extracted':
      return `${step}: ${progress.extracted}`;
    case 'unpacked':
      return `${step}: ${of(progress.unpacked.size)}`;
    case 'configured':
      return `${step}: ${of(progress.configured.size)}`;
    default:
      return step;
  }
}

// ---------------------------------------------------------------------------------------------
// Mounts under the build directory: debootstrap mounts /proc, /sys (and in a container a tmpfs
// and bind mounts of /dev's nodes) inside the root filesystem while it configures, and a
// debootstrap killed in between leaves them there. Deleting through a bind mount of /dev would
// delete the host's; so every mount is gone before anything is deleted, or nothing is.

/** Mount points at or under `dir` in /proc/self/mountinfo's text (proc(5)), deepest first. */
export function mountPointsUnder(mountinfoText: string, dir: string): string[] {
  const base = dir.replace(/\/+$/, '');
  const points = new Set<string>();
  for (const line of mountinfoText.split('\n')) {
    const field = line.split(' ')[4];
    if (field === undefined) continue;
    // Octal escapes for space, tab, newline and backslash (\040 \011 \012 \134).
    const point = field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    if (point === base || point.startsWith(base + '/')) points.add(point);
  }
  return [...points].sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? -1 : a > b ? 1 : 0));
}

const run = promisify(execFile);

/** Unmounts everything at or under `dir`, lazily (`umount -l`) what is busy; true when nothing is left. */
async function unmountUnder(dir: string): Promise<boolean> {
  const mounted = () => mountPointsUnder(readFileSync('/proc/self/mountinfo', 'utf8'), dir);
  for (const point of mounted()) {
    await run('umount', [point]).catch(() => run('umount', ['-l', point]).catch(() => undefined));
  }
  return mounted().length === 0;
}

/** Removes a build directory: its mounts first; with one left that will not go, the directory stays. */
async function removeBuildDir(dir: string): Promise<void> {
  if (!(await unmountUnder(dir))) {
    throw new RuntimeError(`cannot unmount everything under ${dir}: left in place (look with: grep ${dir} /proc/mounts)`);
  }
  await rm(dir, { recursive: true, force: true });
}

const BUILD_DIR_PREFIX = 'watchload-image-';

/** Build directories of builds whose process is gone (killed with SIGKILL): removed before a new build. */
async function removeStaleBuildDirs(): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((name) => name.startsWith(BUILD_DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(tmpdir(), name);
    const pid = Number((await readFile(join(dir, 'pid'), 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(pid) || pid <= 0 || alive(pid)) continue;
    await removeBuildDir(dir).catch(() => undefined);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------------------------
// The build.

export interface BuildOptions {
  /** One line per step (a dozen in all): fine for a log. */
  readonly onProgress: (line: string) => void;
  /** The current step's count as it moves (hundreds of calls): for a line rewritten on a terminal. */
  readonly onCount?: (line: string) => void;
  /** Build even when the image is already on the engine. */
  readonly force?: boolean;
}

export interface BuildResult {
  readonly ref: string;
  /** False: it was already on the engine, nothing was done. */
  readonly built: boolean;
  readonly seconds: number;
  /** The image's size as the engine reports it. */
  readonly sizeBytes: number | null;
}

/** The model image's ref on the engine, built first (about a minute, once) when it is not there. */
export async function ensureModelImage(docker: Dockerode, onProgress: (line: string) => void): Promise<string> {
  return (await buildModelImage(docker, { onProgress })).ref;
}

/** Image id, or null when the engine has no such image (404); other failures are thrown. */
async function imageId(docker: Dockerode, ref: string): Promise<{ id: string; sizeBytes: number; tags: readonly string[] } | null> {
  try {
    const info = await docker.getImage(ref).inspect();
    return { id: info.Id, sizeBytes: info.Size, tags: info.RepoTags ?? [] };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return null;
    throw new RuntimeError(`cannot read image ${ref} on the engine: ${engineError(error)}`);
  }
}

/** The engine's own words for a failed request (dockerode puts them under json.message). */
function engineError(error: unknown): string {
  const json = (error as { json?: { message?: unknown } }).json;
  if (json && typeof json.message === 'string') return json.message.trim();
  return (error as Error).message.trim();
}

function findExecutable(name: string): string | null {
  // /usr/sbin is not on a normal user's PATH, and debootstrap lives there.
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const dir of dirs) if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  return null;
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));

/** The Dockerfile instructions the engine applies on import (Engine API, POST /images/create, `changes`). */
function importChanges(): string[] {
  return [
    `LABEL ${IMAGE_LABEL}=models`,
    // Debian's defaults: an imported root filesystem has no ENV of its own.
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'ENV LANG=C.UTF-8',
  ];
}

/**
 * Builds the model image when it is missing (or always, with force): debootstrap of
 * MODEL_SUITE with MODEL_PACKAGES from this machine's Debian mirror into a temp dir, trimmed,
 * streamed by tar into the engine's import (so a remote engine works too), tagged only once the
 * import succeeded. The temp dir goes on every path; Ctrl-C or SIGTERM during the build stops
 * debootstrap, cleans up, and then ends watchload by that signal unless someone else handles it.
 */
export async function buildModelImage(docker: Dockerode, options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 1000);
  const ref = modelImageRef();
  const existing = await imageId(docker, ref);
  if (existing !== null && options.force !== true) return { ref, built: false, seconds: 0, sizeBytes: existing.sizeBytes };

  const debootstrap = findExecutable('debootstrap');
  if (debootstrap === null) {
    throw new RuntimeError('debootstrap is not installed (it makes the model image\'s root filesystem): apt-get install debootstrap, or bash scripts/install-servers.sh');
  }
  if (process.getuid?.() !== 0) {
    throw new RuntimeError('building the model image needs root (debootstrap chroots and mounts /proc): run `sudo watchload docker build` once, or pass --docker-image IMAGE');
  }
  await removeStaleBuildDirs();
  const { files, codename } = readAptSources();
  const mirror = aptMirror(files, codename);
  const say = (text: string) => options.onProgress(`building ${ref}: ${text}`);
  say(`debootstrap ${MODEL_SUITE} from ${mirror} (about a minute, once)`);

  const interrupt = new AbortController();
  // Set by the handler: a declared type alone would be narrowed to null where it is read.
  let caught = null as NodeJS.Signals | null;
  const onSignal = (signal: NodeJS.Signals) => {
    caught ??= signal;
    interrupt.abort();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);

  const dir = await mkdtemp(join(tmpdir(), BUILD_DIR_PREFIX));
  let failure: unknown = null;
  let result: BuildResult | null = null;
  try {
    await writeFile(join(dir, 'pid'), `${process.pid}\n`);
    const rootfs = join(dir, 'rootfs');
    const unlessInterrupted = () => {
      if (interrupt.signal.aborted) throw new RuntimeError('interrupted');
    };
    await runDebootstrap(debootstrap, mirror, rootfs, interrupt.signal, say, (line) => options.onCount?.(`building ${ref}: ${line}`));
    unlessInterrupted();
    if (!(await unmountUnder(rootfs))) throw new RuntimeError(`debootstrap left mounts under ${rootfs} that will not unmount`);
    say('trimming (apt caches, docs, man pages, translations)');
    await trimRootfs(rootfs);
    const bytes = await treeBytes(rootfs);
    unlessInterrupted();
    say(`importing into the engine (${Math.round(bytes / 1e6)} MB)`);
    const id = await importRootfs(docker, rootfs, ref, interrupt.signal);
    // --force: the image the ref named before is now untagged; removed unless something else names or uses it.
    if (existing !== null && existing.id !== id) {
      const old = await imageId(docker, existing.id).catch(() => null);
      if (old !== null && old.tags.length === 0) await docker.getImage(existing.id).remove().catch(() => undefined);
    }
    const built = await imageId(docker, ref);
    result = { ref, built: true, seconds: seconds(), sizeBytes: built?.sizeBytes ?? null };
    say(`done in ${result.seconds} s (${result.sizeBytes === null ? '?' : Math.round(result.sizeBytes / 1e6)} MB)`);
  } catch (error) {
    failure = error;
  } finally {
    await removeBuildDir(dir).catch((error: unknown) => {
      failure ??= error;
    });
    for (const signal of signals) process.off(signal, onSignal);
  }
  if (caught !== null) {
    // Nobody else listens: what the signal would have done without us (exit 130 for Ctrl-C).
    if (process.listenerCount(caught) === 0) process.kill(process.pid, caught);
    throw new RuntimeError(`interrupted (${caught}): the model image was not built`);
  }
  if (failure !== null) throw failure instanceof RuntimeError ? failure : new RuntimeError(`building ${ref} failed: ${(failure as Error).message}`);
  return result!;
}

/** Runs debootstrap in its own process group (stopped as a whole), folding its lines into progress. */
async function runDebootstrap(
  debootstrap: string,
  mirror: string,
  rootfs: string,
  signal: AbortSignal,
  say: (line: string) => void,
  count: (line: string) => void,
): Promise<void> {
  const args = ['--variant=minbase', `--include=${MODEL_PACKAGES.join(',')}`, MODEL_SUITE, rootfs, mirror];
  // With a parent-death signal, a watchload killed with SIGKILL does not leave debootstrap running.
  const argv = SETPRIV ? [SETPRIV, '--pdeathsig', 'TERM', '--', debootstrap, ...args] : [debootstrap, ...args];
  const child = spawn(argv[0], argv.slice(1), {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' },
  });
  const tail: string[] = [];
  let progress = INITIAL_DEBOOTSTRAP_PROGRESS;
  let partial = '';
  const onData = (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      const next = foldDebootstrapLine(progress, line);
      if (next === progress) continue;
      if (next.step !== progress.step) {
        // A log has no line rewritten as packages arrive: the fetching's count is said once it ends.
        if (progress.counting === 'retrieved') say(`retrieved ${progress.retrieved} packages`);
        if (next.step !== 'installed') say(next.step);
      }
      progress = next;
      count(describeDebootstrapProgress(progress));
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  const stop = () => {
    for (const [sig, afterMs] of [['SIGTERM', 0], ['SIGKILL', 5_000]] as const) {
      setTimeout(() => {
        try {
          if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, sig);
        } catch {
          // ESRCH: already gone
        }
      }, afterMs).unref();
    }
  };
  signal.addEventListener('abort', stop, { once: true });
  const exit = await new Promise<{ code: number | null; signal: string | null; error: Error | null }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, sig) => resolve({ code, signal: sig, error: null }));
  });
  signal.removeEventListener('abort', stop);
  if (signal.aborted) {
    // What debootstrap ran (dpkg, a maintainer script) may outlive it: nothing may write into the tree being removed.
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // ESRCH: the group is gone
    }
    return;
  }
  if (exit.error) throw new RuntimeError(`cannot start debootstrap: ${exit.error.message}`);
  if (exit.code !== 0) {
    const why = [...tail].reverse().find((line) => line.startsWith('E: '));
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    throw new RuntimeError(`debootstrap ${MODEL_SUITE} from ${mirror} failed (${how})${why ? `: ${why.slice(3)}` : ''}`, tail);
  }
}

/** A directory under the root filesystem, reached through real directories only (never a symlink out of it). */
async function realDirUnder(rootfs: string, relative: string): Promise<string | null> {
  let path = rootfs;
  for (const part of relative.split('/')) {
    path = join(path, part);
    const stat = await lstat(path).catch(() => null);
    if (stat === null || !stat.isDirectory()) return null;
  }
  return path;
}

/** Removes what a container never reads: ~180 MB of 440 for this package list. */
async function trimRootfs(rootfs: string): Promise<void> {
  const clear = async (relative: string, keep: (name: string, isDir: boolean) => boolean = () => false) => {
    const dir = await realDirUnder(rootfs, relative);
    if (dir === null) return;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!keep(entry.name, entry.isDirectory())) await rm(join(dir, entry.name), { recursive: true, force: true });
    }
  };
  await clear('var/cache/apt/archives', (name, isDir) => isDir || name === 'lock');
  await clear('var/cache/apt/archives/partial');
  await clear('var/lib/apt/lists', (name) => name === 'partial' || name === 'lock');
  await clear('usr/share/man');
  await clear('usr/share/info');
  // Translations only: files such as locale.alias stay.
  await clear('usr/share/locale', (_, isDir) => !isDir);
  // Documentation, but each package's copyright file: its licence travels with its binaries.
  const doc = await realDirUnder(rootfs, 'usr/share/doc');
  if (doc !== null) {
    for (const entry of await readdir(doc, { withFileTypes: true })) {
      if (entry.isDirectory()) await clear(`usr/share/doc/${entry.name}`, (name) => name === 'copyright');
    }
  }
}

/** Bytes in the files under dir (the size of what tar streams, near enough). */
async function treeBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) bytes += await treeBytes(path);
    else if (entry.isFile()) bytes += (await lstat(path)).size;
  }
  return bytes;
}

interface ImportEvent {
  readonly status?: string;
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
}

/** Streams the root filesystem into the engine; tags the image as ref only once all of it arrived intact. */
async function importRootfs(docker: Dockerode, rootfs: string, ref: string, signal: AbortSignal): Promise<string> {
  const tar = spawn('tar', ['-C', rootfs, '--numeric-owner', '--one-file-system', '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tarErrors: string[] = [];
  tar.stderr.on('data', (chunk: Buffer) => tarErrors.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim() !== '')));
  const tarExit = new Promise<number | null>((resolve) => {
    tar.once('error', (error) => {
      tarErrors.push(`cannot start tar: ${error.message}`);
      resolve(null);
    });
    tar.once('close', (code) => resolve(code));
  });
  const stop = () => tar.kill('SIGKILL');
  signal.addEventListener('abort', stop, { once: true });
  let events: ImportEvent[];
  try {
    // Untagged first: a stream cut short (tar failed, Ctrl-C) must not leave a broken image under the ref.
    const response = await docker.importImage(tar.stdout, { changes: importChanges(), message: `watchload model image: debootstrap ${MODEL_SUITE}` });
    events = await new Promise<ImportEvent[]>((resolve, reject) => {
      docker.modem.followProgress(response, (error: Error | null, output: ImportEvent[]) => (error ? reject(error) : resolve(output)));
    });
  } catch (error) {
    stop();
    await tarExit;
    throw new RuntimeError(`the engine did not take the image: ${engineError(error)}`, tarErrors.slice(-TAIL_LINES));
  } finally {
    signal.removeEventListener('abort', stop);
  }
  const code = await tarExit;
  const id = [...events].reverse().find((e) => /^sha256:[0-9a-f]{64}$/.test(e.status ?? ''))?.status ?? null;
  const refused = events.find((e) => e.error !== undefined || e.errorDetail !== undefined);
  if (code !== 0 || refused !== undefined || id === null) {
    if (id !== null) await docker.getImage(id).remove().catch(() => undefined);
    if (signal.aborted) throw new RuntimeError('interrupted');
    const why = refused ? `the engine refused it: ${refused.errorDetail?.message ?? refused.error}` : code !== 0 ? `tar failed (exit code ${code})` : 'the engine reported no image id';
    throw new RuntimeError(`importing ${ref} failed: ${why}`, tarErrors.slice(-TAIL_LINES));
  }
  const colon = ref.lastIndexOf(':');
  await docker.getImage(id).tag({ repo: ref.slice(0, colon), tag: ref.slice(colon + 1) });
  return id;
}
