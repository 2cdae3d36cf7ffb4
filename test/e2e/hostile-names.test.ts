import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { displayWidth } from '../../components/text.js';
import { processesMatching, runCli, survivors } from '../helpers/cli.js';
import { RATE_ABOVE_ZERO, Tmux } from '../helpers/tmux.js';
import { freePort } from '../../src/util/ports.js';

// Issue 8: names come from other programs. A Python server names its threads with escape
// sequences (by writing /proc/self/task/<tid>/comm, 15 bytes at most: proc(5)), its process
// with `</script>`, and execs itself with an argv that holds an OSC 8 hyperlink; its --cmd and
// --url hold escapes too. The terminal must show text (src/util/sanitize.ts removes the
// sequences), the JSON must keep the raw names (escaped as JSON), the HTML must escape them.

const DIR = mkdtempSync(join(tmpdir(), 'watchload-hostile-'));
const SERVER = join(DIR, 'server.py');

/** Each thread's name, as the server writes it. */
const THREAD_NAMES = ['\x1b[2J\x1b[H', '\x1b]0;pwned\x07', '\x1b[31mred', '\r\x1b[Kx', '\u202eevil', 'a\tb', '\x1b]8;;http://e\x07', '日本語スレ'];
const PROCESS_NAME = '</script><b>x';
const ARGV0 = '\x1b]2;pwned\x07py';
const LINK_ARG = '\x1b]8;;http://evil\x07link';

writeFileSync(
  SERVER,
  `import ctypes, http.server, os, sys, threading, time

THREAD_NAMES = ${JSON.stringify(THREAD_NAMES)}
port = int(sys.argv[1])
if len(sys.argv) < 4:
    # Once: again, with a hostile argv[0] and a hyperlink among the arguments (its /proc cmdline).
    os.execv(sys.executable, [${JSON.stringify(ARGV0)}, sys.argv[0], sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else '-', ${JSON.stringify(LINK_ARG)}])

def idle(name):
    with open('/proc/self/task/%d/comm' % threading.get_native_id(), 'w', encoding='utf-8') as f:
        f.write(name)
    while True:
        time.sleep(3600)

for n in THREAD_NAMES:
    threading.Thread(target=idle, args=(n,), daemon=True).start()
ctypes.CDLL(None).prctl(15, ${JSON.stringify(PROCESS_NAME)}.encode(), 0, 0, 0)  # PR_SET_NAME: the process's comm

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'ok')
    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(('127.0.0.1', port), Handler).serve_forever()
`,
);

const tmux = new Tmux('hostile');
afterEach(async () => {
  tmux.killSessions();
  expect(await survivors(processesMatching(SERVER))).toEqual([]);
});
afterAll(() => {
  tmux.close();
  rmSync(DIR, { recursive: true, force: true });
});

/** Sequences of ours that must never reach the terminal (Ink's own are CSI cursor moves, erase-line and SGR styles). */
const SMUGGLED: ReadonlyArray<readonly [string, string]> = [
  ['an OSC (title, hyperlink)', '\x1b]'],
  ['BEL', '\x07'],
  ['clear screen + home', '\x1b[2J\x1b[H'],
  ['erase to end of line', '\x1b[K'],
  ['a colour (NO_COLOR is set: watchload prints none)', '\x1b[31m'],
  ['a bidi override', '\u202e'],
  ['a tab', '\t'],
];

describe('hostile names: escape sequences in comm, cmdline, --cmd and --url', () => {
  it('the TUI shows them as text: no title change, no clear, no hyperlink, the layout intact', async () => {
    const port = await freePort('127.0.0.1');
    const raw = join(DIR, 'pane.bytes');
    writeFileSync(raw, '');
    // The shell of the pane makes the escapes (printf), so the arguments hold real ESC bytes.
    const cmd = `"python3 ${SERVER} ${port} $(printf '\\033[2J\\033[31marg')"`;
    const url = `"http://127.0.0.1:${port}/$(printf '\\033[2J')x"`;
    tmux.start('h', 120, 40, `--cmd ${cmd} --url ${url} -d 60 -c 5`);
    tmux.pipeTo('h', raw);
    const live = await tmux.waitFor('h', (s) => RATE_ABOVE_ZERO.test(s) && /^ +\d+ +evil +S /m.test(s) && /^ +\d+ +a b +S /m.test(s), 30_000);
    const lines = live.trimEnd().split('\n');

    // Not cleared, not scrolled: the header is the first line, the footer the last.
    expect(lines[0]).toMatch(/^custom · -c 5 · http:\/\/127\.0\.0\.1:\d+\/x +loading +0:\d\d$/);
    expect(lines.at(-1)).toMatch(/^q quit · /);
    expect(live).toMatch(/^\$ \/bin\/sh -c 'exec python3 \S+server\.py \d+ arg'$/m);
    // Each thread in its row, its name reduced to its text, the columns where they belong.
    expect(live).toMatch(/^ +\d+ +red +S +slept/m);
    expect(live).toMatch(/^ +\d+ + x +S +slept/m);
    expect(live).toMatch(/^ +\d+ +evil +S +slept/m);
    expect(live).toMatch(/^ +\d+ +a b +S +slept/m);
    expect(live).toMatch(/^ +\d+ +日本語スレ +S +slept/m);
    expect(live).toMatch(/<\/script>/);
    const column = (name: string) => {
      const row = lines.find((l) => new RegExp(`^ +\\d+ +${name} +S `).test(l))!;
      return displayWidth(row.slice(0, row.indexOf(' S ')));
    };
    expect(column('日本語スレ')).toBe(column('red'));
    expect(column('evil')).toBe(column('red'));
    for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(120);
    expect(lines.length).toBeLessThanOrEqual(40);

    expect(tmux.paneTitle('h')).not.toContain('pwned');
    const drawn = tmux.screenWithEscapes('h');
    expect(drawn).not.toContain('\x1b]8');
    expect(drawn).not.toMatch(/\x1b\[[\d;]*3[0-7]m/);

    tmux.run('send-keys', '-t', 'h', 'q');
    const after = await tmux.waitFor('h', (s) => s.includes('EXIT='), 20_000);
    expect(after).toContain('EXIT=0');
    expect(tmux.paneTitle('h')).not.toContain('pwned');
    // Every byte watchload wrote to the terminal, live view and summary: none of ours.
    const bytes = readFileSync(raw, 'utf8');
    expect(bytes).toMatch(/evil/);
    for (const [what, sequence] of SMUGGLED) expect(bytes.includes(sequence), what).toBe(false);
  });

  it('--json keeps the raw names (escaped as JSON), the recording too, and the HTML report escapes them', async () => {
    const port = await freePort('127.0.0.1');
    const cmd = `python3 ${SERVER} ${port} \x1b[2J\x1b[31marg`;
    const url = `http://127.0.0.1:${port}/\x1b[2Jx`;
    const recording = join(DIR, 'run.ndjson');
    const html = join(DIR, 'report.html');
    const run = await runCli(['--cmd', cmd, '--url', url, '-d', '3', '-c', '5', '--json', '--record', recording, '--report', html]);
    expect(run.code, run.stderr).toBe(0);
    // JSON.stringify escapes every control character: the text on stdout holds none.
    expect(run.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    const report = JSON.parse(run.stdout);
    expect(report.command).toEqual(['/bin/sh', '-c', `exec ${cmd}`]);
    expect(report.url).toBe(url);
    expect(run.stdout).toContain('\\u001b[2J\\u001b[31marg');
    // stderr is a terminal's too: status lines and messages, sanitized.
    expect(run.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\u202e]/);

    // The recording keeps every name as the kernel gave it, so a replay shows what the run saw.
    const names = new Set<string>();
    const cmdlines: string[][] = [];
    for (const line of readFileSync(recording, 'utf8').trimEnd().split('\n').slice(1)) {
      const event = JSON.parse(line);
      for (const p of (event.key ?? event.delta)?.processes ?? []) {
        if (p.name !== undefined) names.add(p.name);
        if (p.cmdline !== undefined) cmdlines.push(p.cmdline);
        for (const row of p.threads ?? p.a ?? []) names.add(row[1]);
      }
    }
    for (const name of [...THREAD_NAMES, PROCESS_NAME]) expect([...names], JSON.stringify(name)).toContain(name);
    expect(cmdlines).toContainEqual([ARGV0, SERVER, String(port), '\x1b[2J\x1b[31marg', LINK_ARG]);

    // The HTML: no control character anywhere, no markup from a name.
    const page = readFileSync(html, 'utf8');
    expect(page).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202e]/);
    expect(page).not.toContain(PROCESS_NAME);
    expect(page.match(/<\/script>/g)?.length).toBe(page.match(/<script\b/g)?.length);
    expect(page.includes('\\u003c/script>\\u003cb>x') || page.includes('&lt;/script&gt;&lt;b&gt;x')).toBe(true);
  });
});
