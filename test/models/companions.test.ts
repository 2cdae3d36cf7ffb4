import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillTemplate, nginxConfig } from '../../src/models/companions.js';
import { serversDir } from '../../src/models/python.js';

describe('fillTemplate', () => {
  it.each([
    ['listen {{LISTEN}};', { LISTEN: '127.0.0.1:8080' }, 'listen 127.0.0.1:8080;'],
    ['{{A}}/{{A}} {{B}}', { A: 'x', B: 'y' }, 'x/x y'],
    ['no placeholders, $http_host kept', {}, 'no placeholders, $http_host kept'],
  ])('%s', (template, values, expected) => {
    expect(fillTemplate(template, values)).toBe(expected);
  });
  it('a placeholder without a value is an error, never a blank', () => {
    expect(() => fillTemplate('pid {{PREFIX}}/nginx.pid;', {})).toThrow('template: no value for {{PREFIX}}');
  });
});

describe('nginxConfig from the readable templates in servers/', () => {
  const read = (name: string) => readFileSync(join(serversDir(), name), 'utf8');
  it.each([
    ['nginx-http.conf', 'proxy_pass http://127.0.0.1:5000;'],
    ['nginx-uwsgi.conf', 'uwsgi_pass 127.0.0.1:5000;'],
  ])('%s: everything in the prefix, listening where the load goes', (site, pass) => {
    const config = nginxConfig({ main: read('nginx.conf'), site: read(site) }, '/tmp/watchload-nginx-x', '127.0.0.1:8080', '127.0.0.1:5000');
    expect(config.main).toContain('daemon off;');
    expect(config.main).toContain('pid /tmp/watchload-nginx-x/nginx.pid;');
    expect(config.main).toContain('include /tmp/watchload-nginx-x/site.conf;');
    // Every path nginx writes is in the prefix: none of the system's (/var/lib/nginx, /var/log/nginx, /run).
    for (const line of config.main.split('\n').filter((l) => /_path |error_log |pid /.test(l) && !l.trim().startsWith('#'))) {
      expect(line).toContain('/tmp/watchload-nginx-x/');
    }
    expect(config.site).toContain('listen 127.0.0.1:8080 backlog=4096;');
    expect(config.site).toContain(pass);
    expect(config.site).not.toContain('{{');
  });
});
