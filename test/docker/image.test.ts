import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INITIAL_DEBOOTSTRAP_PROGRESS,
  MODEL_PACKAGES,
  aptMirror,
  buildModelImage,
  describeDebootstrapProgress,
  ensureModelImage,
  foldDebootstrapLine,
  modelImageRef,
  mountPointsUnder,
  osCodename,
  readAptSources,
  type DebootstrapProgress,
} from '../../src/docker/image.js';
import { RuntimeError } from '../../src/util/errors.js';

const FIXTURES = new URL('../fixtures/docker/', import.meta.url);
/** debootstrap's whole output, recorded from a real build of MODEL_PACKAGES (bookworm, amd64). */
const FULL_RUN = readFileSync(new URL('debootstrap-bookworm.log', FIXTURES), 'utf8').split('\n');
/** What it printed when its mirror could not be reached. */
const FAILED_RUN = readFileSync(new URL('debootstrap-failed.log', FIXTURES), 'utf8').split('\n');

const fold = (lines: readonly string[]): DebootstrapProgress => lines.reduce(foldDebootstrapLine, INITIAL_DEBOOTSTRAP_PROGRESS);

/** This machine's /etc/apt/sources.list.d/debian.sources (Debian 12, snapshot comments and all). */
const DEBIAN_SOURCES = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
# http://snapshot.debian.org/archive/debian-security/20250520T000000Z
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

const SECURITY_FIRST = `Types: deb
URIs: http://security.debian.org/debian-security
Suites: bookworm-security
Components: main

Types: deb deb-src
URIs: https://mirror.example.org/debian/
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBGPL0BUBEADmW5NdOOHwPIJlgPu6JDcKw/NZJPlhOl1gkRCKcEW1hQ2Ez3F+
 -----END PGP PUBLIC KEY BLOCK-----
`;

const ONE_LINE = `# deb cdrom:[Debian GNU/Linux 12.5.0 _Bookworm_]/ bookworm main
deb http://security.debian.org/debian-security bookworm-security main
deb-src http://src.example.org/debian bookworm main

deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://ftp.fr.debian.org/debian/ bookworm main # the nearest
deb http://ftp.fr.debian.org/debian/ bookworm-updates main
`;

describe('aptMirror', () => {
  it.each([
    ['deb822: the main archive, not the security suite after it', [{ path: '/etc/apt/sources.list.d/debian.sources', text: DEBIAN_SOURCES }], 'bookworm', 'http://deb.debian.org/debian'],
    ['deb822: a security suite first, a key block, https, a trailing slash', [{ path: '/x/debian.sources', text: SECURITY_FIRST }], 'bookworm', 'https://mirror.example.org/debian'],
    ['one-line: comments, deb-src, [options] and a trailing comment', [{ path: '/etc/apt/sources.list', text: ONE_LINE }], 'bookworm', 'http://ftp.fr.debian.org/debian'],
    ['the machine\'s own codename serves bookworm too', [{ path: '/etc/apt/sources.list', text: 'deb http://mirror.trixie.example/debian trixie main\n' }], 'trixie', 'http://mirror.trixie.example/debian'],
    ['another release\'s entry is not taken', [{ path: '/etc/apt/sources.list', text: 'deb http://mirror.example/debian bullseye main\n' }], 'bullseye-not-this', 'http://deb.debian.org/debian'],
    ['no file: Debian\'s redirector', [], null, 'http://deb.debian.org/debian'],
  ])('%s', (_, files, codename, expected) => {
    expect(aptMirror(files, codename)).toBe(expected);
  });

  it('skips stanzas with Enabled: no, non-http URIs and deb-src only entries', () => {
    const text = [
      'Types: deb\nURIs: http://disabled.example/debian\nSuites: bookworm\nComponents: main\nEnabled: no',
      'Types: deb-src\nURIs: http://src-only.example/debian\nSuites: bookworm\nComponents: main',
      'Types: deb\nURIs: file:/srv/mirror cdrom:/media http://second.example/debian\nSuites: bookworm\nComponents: main',
    ].join('\n\n');
    expect(aptMirror([{ path: 'a.sources', text }], null)).toBe('http://second.example/debian');
  });

  it('reads the files in apt\'s order: sources.list before sources.list.d', () => {
    const files = [
      { path: '/etc/apt/sources.list', text: 'deb http://first.example/debian bookworm main\n' },
      { path: '/etc/apt/sources.list.d/debian.sources', text: DEBIAN_SOURCES },
    ];
    expect(aptMirror(files, 'bookworm')).toBe('http://first.example/debian');
  });
});

describe('osCodename and readAptSources', () => {
  it.each([
    ['VERSION_CODENAME=bookworm\nID=debian\n', 'bookworm'],
    ['ID=ubuntu\nVERSION_CODENAME="noble"\n', 'noble'],
    ['ID=debian\nVERSION_CODENAME=\n', null],
    ['ID=arch\n', null],
  ])('%j → %s', (text, expected) => {
    expect(osCodename(text)).toBe(expected);
  });

  let root = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'watchload-apt-'));
    mkdirSync(join(root, 'etc/apt/sources.list.d'), { recursive: true });
    writeFileSync(join(root, 'etc/os-release'), 'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nVERSION_CODENAME=trixie\n');
    writeFileSync(join(root, 'etc/apt/sources.list.d/z-debian.sources'), 'Types: deb\nURIs: http://z.example/debian\nSuites: trixie\nComponents: main\n');
    writeFileSync(join(root, 'etc/apt/sources.list.d/a-vendor.list'), 'deb http://vendor.example/apt stable main\n');
    writeFileSync(join(root, 'etc/apt/sources.list.d/old.list.disabled'), 'deb http://disabled.example/debian trixie main\n');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads sources.list.d sorted (.list and .sources only) and the codename; no sources.list is fine', () => {
    const { files, codename } = readAptSources(root);
    expect(files.map((f) => f.path.slice(root.length))).toEqual(['/etc/apt/sources.list.d/a-vendor.list', '/etc/apt/sources.list.d/z-debian.sources']);
    expect(codename).toBe('trixie');
    expect(aptMirror(files, codename)).toBe('http://z.example/debian');
  });
});

describe('modelImageRef', () => {
  it('is watchload-models:<12 hex>, the same for the same list in any order', () => {
    expect(modelImageRef()).toMatch(/^watchload-models:[0-9a-f]{12}$/);
    expect(modelImageRef()).toBe(modelImageRef([...MODEL_PACKAGES].reverse()));
  });

  it('changes with the package list and the suite', () => {
    expect(modelImageRef([...MODEL_PACKAGES, 'strace'])).not.toBe(modelImageRef());
    expect(modelImageRef(MODEL_PACKAGES.filter((p) => p !== 'nodejs'))).not.toBe(modelImageRef());
    expect(modelImageRef(MODEL_PACKAGES, 'trixie')).not.toBe(modelImageRef());
  });

  it('is pinned: a new list or format is a new image, on purpose', () => {
    // Update with the list: engines that have the old image then build the new one once.
    expect(modelImageRef()).toBe('watchload-models:823abc6d0f9d');
  });
});

describe('debootstrap progress', () => {
  it('counts a whole recorded run: 178 packages fetched, unpacked and configured as debootstrap announces them', () => {
    const end = fold(FULL_RUN);
    expect(end.step).toBe('installed');
    expect(end.retrieved).toBe(178);
    expect(end.total).toBe(178);
    expect(end.extracted).toBe(88);
    // python3-minimal and four others are installed as pre-dependencies, never announced.
    expect(end.unpacked.size).toBe(173);
    expect(end.configured.size).toBe(173);
    expect(describeDebootstrapProgress(end)).toBe('installed');
  });

  it('goes through debootstrap\'s steps in order, each once', () => {
    const steps: string[] = [];
    let progress = INITIAL_DEBOOTSTRAP_PROGRESS;
    for (const line of FULL_RUN) {
      progress = foldDebootstrapLine(progress, line);
      if (steps.at(-1) !== progress.step) steps.push(progress.step);
    }
    expect(steps).toEqual([
      'starting debootstrap',
      'fetching the package index',
      'resolving dependencies',
      'retrieving packages',
      'extracting the required packages',
      'installing the core packages',
      'unpacking the required packages',
      'configuring the required packages',
      'unpacking the base system',
      'configuring the base system',
      'installed',
    ]);
  });

  it.each([
    // Lines of the recording, as far as: what a person sees then.
    [9, 'resolving dependencies'],
    [46, 'retrieving packages: 19'],
    [370, 'extracting the required packages: 4'],
    [500, 'unpacking the required packages: 44/178 packages'],
    [600, 'configuring the required packages: 55/178 packages'],
    [700, 'unpacking the base system: 153/178 packages'],
    [800, 'configuring the base system: 167/178 packages'],
  ])('after %i lines: %s', (lines, expected) => {
    expect(describeDebootstrapProgress(fold(FULL_RUN.slice(0, lines)))).toBe(expected);
  });

  it('shows counts alone while the total is unknown, and ignores what it does not know', () => {
    const start = foldDebootstrapLine(INITIAL_DEBOOTSTRAP_PROGRESS, 'I: Unpacking libc6:amd64...');
    expect(describeDebootstrapProgress(start)).toBe('starting debootstrap: 1 packages');
    expect(foldDebootstrapLine(start, 'W: Failure trying to run: chroot')).toBe(start);
    expect(foldDebootstrapLine(start, 'I: Validating libc6 2.36-9+deb12u10')).toBe(start);
  });

  it('a run that could not reach its mirror ends while fetching the index, with no total', () => {
    const end = fold(FAILED_RUN);
    expect(end.step).toBe('fetching the package index');
    expect(end.total).toBeNull();
  });
});

describe('mountPointsUnder', () => {
  const MOUNTINFO = [
    '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
    '90 27 0:50 / /tmp/watchload-image-ab/rootfs/proc rw,relatime - proc proc rw',
    '91 27 0:51 / /tmp/watchload-image-ab/rootfs/sys rw,relatime - sysfs sysfs rw',
    '92 27 0:52 / /tmp/watchload-image-ab/rootfs/dev rw - tmpfs nodev rw',
    '93 92 0:6 /null /tmp/watchload-image-ab/rootfs/dev/null rw - devtmpfs udev rw',
    '94 27 0:53 / /tmp/watchload-image-ab/rootfs/media/a\\040b rw - tmpfs tmpfs rw',
    '95 27 0:54 / /tmp/watchload-image-abc/rootfs/proc rw - proc proc rw',
    '',
  ].join('\n');

  it('lists mounts at or under the dir, deepest first, escapes decoded, never a sibling with the same prefix', () => {
    expect(mountPointsUnder(MOUNTINFO, '/tmp/watchload-image-ab/')).toEqual([
      '/tmp/watchload-image-ab/rootfs/dev/null',
      '/tmp/watchload-image-ab/rootfs/media/a b',
      '/tmp/watchload-image-ab/rootfs/dev',
      '/tmp/watchload-image-ab/rootfs/proc',
      '/tmp/watchload-image-ab/rootfs/sys',
    ]);
    expect(mountPointsUnder(MOUNTINFO, '/tmp/watchload-image-abc/rootfs/proc')).toEqual(['/tmp/watchload-image-abc/rootfs/proc']);
    expect(mountPointsUnder(MOUNTINFO, '/srv')).toEqual([]);
  });
});

describe('ensureModelImage without an engine', () => {
  it('fails with one line when the engine does not answer (not a 404: nothing is built)', async () => {
    const docker = new Dockerode({ socketPath: join(tmpdir(), 'watchload-no-engine.sock') });
    const lines: string[] = [];
    const error = await ensureModelImage(docker, (line) => lines.push(line)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as Error).message).toMatch(/^cannot read image watchload-models:[0-9a-f]{12} on the engine: .*ENOENT/);
    expect(lines).toEqual([]);
  });
});

// A real engine: DOCKER_HOST, or the default socket. Outside CI a machine without one skips with
// a warning; in CI (CI set) a missing engine fails here, loudly: .ci/run starts one.

/** The engine, or null when none answers (the CLI's own connectEngine is exercised by its e2e tests). */
async function connect(): Promise<Dockerode | null> {
  try {
    const docker = new Dockerode();
    await docker.ping();
    return docker;
  } catch {
    return null;
  }
}
const engine = await connect();
const where = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
if (!engine && !process.env.CI) console.warn(`image: no Docker engine answers at ${where}: skipped (bash scripts/dockerd.sh start)`);

/** Imports a one-file root filesystem as repo:tag: a stand-in image, made without any registry. */
async function importTinyImage(docker: Dockerode, repo: string, tag: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'watchload-tiny-'));
  try {
    writeFileSync(join(dir, 'stand-in'), 'not the model image: made by test/docker/image.test.ts\n');
    const tar = spawn('tar', ['-C', dir, '--numeric-owner', '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const stream = await docker.importImage(tar.stdout, { repo, tag, changes: ['LABEL io.watchload.test=stand-in'] });
    const events = await new Promise<{ error?: string }[]>((resolve, reject) => docker.modem.followProgress(stream, (error: Error | null, out: { error?: string }[]) => (error ? reject(error) : resolve(out))));
    expect(events.filter((e) => e.error)).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!engine && !process.env.CI)('the model image on a real engine', () => {
  const ref = modelImageRef();
  const colon = ref.lastIndexOf(':');
  /** True when this test put a stand-in under the ref (the engine had no model image): removed after. */
  let standIn = false;

  /** In CI without an engine each test fails (counted), with what to do. */
  const requireEngine = (): Dockerode => {
    if (!engine) throw new Error(`no Docker engine answers at ${where}: start one with bash scripts/dockerd.sh start and export the DOCKER_HOST it prints`);
    return engine;
  };

  beforeAll(async () => {
    if (!engine) return;
    const present = await engine.getImage(ref).inspect().then(() => true, (error: { statusCode?: number }) => {
      if (error.statusCode === 404) return false;
      throw error;
    });
    // Never replace a real model image: only an engine without one gets the stand-in.
    if (!present) {
      await importTinyImage(engine, ref.slice(0, colon), ref.slice(colon + 1));
      standIn = true;
    }
  });

  afterAll(async () => {
    if (engine && standIn) await engine.getImage(ref).remove();
  });

  it('ensureModelImage is a no-op when the image is there: no build, no progress, at once', async () => {
    const lines: string[] = [];
    const started = performance.now();
    expect(await ensureModelImage(requireEngine(), (line) => lines.push(line))).toBe(ref);
    expect(lines).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('buildModelImage without force says it built nothing and gives the engine\'s size', async () => {
    const counts: string[] = [];
    const result = await buildModelImage(requireEngine(), { onProgress: (line) => counts.push(line), onCount: (line) => counts.push(line) });
    expect(result).toMatchObject({ ref, built: false, seconds: 0 });
    expect(result.sizeBytes).toBeGreaterThan(0);
    expect(counts).toEqual([]);
  });
});
