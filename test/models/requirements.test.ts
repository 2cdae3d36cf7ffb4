import { describe, expect, it } from 'vitest';
import {
  assertRunnable, binary, DEBIAN, INSTALL_COMMAND, missingMessage, missingNeeds, probeHost, pythonModule, uwsgiPlugin, type Found, type Need,
} from '../../src/models/requirements.js';
import { renderModelList } from '../../src/models/listing.js';
import { allModels } from '../../src/models/registry.js';
import { RuntimeError } from '../../src/util/errors.js';

const found = (binaries: string[], pythonModules: string[], uwsgiPlugins: string[]): Found => ({
  binaries: new Set(binaries), pythonModules: new Set(pythonModules), uwsgiPlugins: new Set(uwsgiPlugins),
});

describe('missingNeeds', () => {
  const needs: Need[] = [binary('/usr/bin/uwsgi'), uwsgiPlugin('python3'), uwsgiPlugin('gevent_python3'), pythonModule('flask'), pythonModule('gevent')];
  it.each<[string, Found, Need[]]>([
    ['everything found', found(['/usr/bin/uwsgi'], ['flask', 'gevent'], ['python3', 'gevent_python3']), []],
    ['nothing found: all, in the order asked', found([], [], []), needs],
    ['only the gevent plugin missing', found(['/usr/bin/uwsgi'], ['flask', 'gevent'], ['python3']), [uwsgiPlugin('gevent_python3')]],
    ['a module found under another kind does not count', found(['flask'], ['/usr/bin/uwsgi', 'python3', 'gevent_python3'], ['flask', 'gevent']),
      needs],
  ])('%s', (_, have, expected) => {
    expect(missingNeeds(needs, have)).toEqual(expected);
  });
  it('no needs: nothing missing', () => {
    expect(missingNeeds([], found([], [], []))).toEqual([]);
  });
});

describe('missingMessage', () => {
  it('is one line naming each missing part and the install command', () => {
    const message = missingMessage("model 'uwsgi-gevent'", [uwsgiPlugin('gevent_python3'), pythonModule('gevent'), binary('/usr/bin/uwsgi')]);
    expect(message).toBe(
      "model 'uwsgi-gevent' needs the uWSGI plugin gevent_python3, the Python module gevent (for /usr/bin/python3), /usr/bin/uwsgi, not found here: run bash scripts/install-servers.sh",
    );
    expect(message).not.toContain('\n');
    expect(message).toContain(INSTALL_COMMAND);
  });
});

describe('probeHost and assertRunnable (this machine)', () => {
  it('finds nothing that does not exist, and asks Debian\'s python, not PATH\'s', () => {
    const have = probeHost([binary('/nonexistent/watchload-test'), pythonModule('watchload_no_such_module'), uwsgiPlugin('watchload_no_such')]);
    expect([...have.binaries, ...have.pythonModules, ...have.uwsgiPlugins]).toEqual([]);
    // json is in every Python's standard library: a found module proves the probe ran.
    expect([...probeHost([pythonModule('json')]).pythonModules]).toEqual(['json']);
    expect(DEBIAN.python3).toBe('/usr/bin/python3');
  });

  it('a model whose server is missing is a RuntimeError (exit 1) naming it', () => {
    const model = { name: 'ghost', needs: [binary('/nonexistent/ghost-server'), pythonModule('watchload_no_such_module')] };
    expect(() => assertRunnable(model)).toThrow(RuntimeError);
    expect(() => assertRunnable(model)).toThrow(
      "model 'ghost' needs /nonexistent/ghost-server, the Python module watchload_no_such_module (for /usr/bin/python3), not found here: run bash scripts/install-servers.sh",
    );
  });

  it('a model without needs (Node\'s) always runs', () => {
    expect(() => assertRunnable({ name: 'single' })).not.toThrow();
  });
});

describe('renderModelList', () => {
  it('says which models run here and, for the others, what is missing and how to install it', () => {
    const text = renderModelList(allModels(), found(['/usr/bin/flask'], ['flask', 'requests'], []));
    expect(text).toMatch(/^ {2}flask-dev {11}Flask dev server/m);
    const blockOf = (name: string) => text.split('\n').slice(text.split('\n').findIndex((l) => l.startsWith(`  ${name} `)), undefined).slice(0, 3).join('\n');
    expect(blockOf('single')).toMatch(/runs here$/);
    expect(blockOf('flask-dev')).toMatch(/runs here$/);
    expect(blockOf('uwsgi')).toMatch(/cannot run here: needs \/usr\/bin\/uwsgi, the uWSGI plugin python3$/);
    expect(text.trimEnd().split('\n').at(-1)).toBe(`Install what is missing: ${INSTALL_COMMAND}`);
  });

  it('has no install line when everything runs', () => {
    const everything = allModels().flatMap((m) => m.needs ?? []);
    const all = found(everything.flatMap((n) => (n.kind === 'binary' ? [n.path] : [])), everything.flatMap((n) => (n.kind === 'python-module' ? [n.name] : [])), everything.flatMap((n) => (n.kind === 'uwsgi-plugin' ? [n.name] : [])));
    expect(renderModelList(allModels(), all)).not.toContain('Install');
  });
});
