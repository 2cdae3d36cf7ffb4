import { describe, expect, it } from 'vitest';
import { sanitizeForTerminal } from '../../src/util/sanitize.js';

describe('sanitizeForTerminal', () => {
  it.each([
    ['plain text is kept', 'node', 'node'],
    ['spaces and punctuation are kept', 'gunicorn: worker [app:app]', 'gunicorn: worker [app:app]'],
    ['comm with parentheses', '(sd-pam)', '(sd-pam)'],
    ['unicode is kept', 'naïve·线程', 'naïve·线程'],
    ['SGR colour', '\x1b[31mred\x1b[0m', 'red'],
    ['cursor move and erase', 'a\x1b[2J\x1b[H\x1b[10;20Hb', 'ab'],
    ['private CSI (hide cursor)', 'x\x1b[?25ly', 'xy'],
    ['CSI with intermediate byte', 'x\x1b[1 qy', 'xy'],
    ['unfinished CSI at the end', 'name\x1b[12', 'name'],
    ['OSC title ended by BEL', '\x1b]0;pwned\x07node', 'node'],
    ['OSC hyperlink ended by ST', '\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\', 'click'],
    ['OSC 52 clipboard write', 'a\x1b]52;c;ZWNobyBoaQ==\x07b', 'ab'],
    ['unterminated OSC swallows the rest', 'ok\x1b]0;title never ends', 'ok'],
    ['DCS string', 'a\x1bP1$r0m\x1b\\b', 'ab'],
    ['APC string', 'a\x1b_payload\x1b\\b', 'ab'],
    ['ESC c (full reset)', 'a\x1bcb', 'ab'],
    ['ESC ( 0 (line drawing charset)', 'a\x1b(0b', 'ab'],
    ['lone ESC at the end', 'name\x1b', 'name'],
    ['C1 CSI', 'a\u009b31mb', 'ab'],
    ['C1 OSC ended by C1 ST', 'a\u009d0;t\u009cb', 'ab'],
    ['other C1 controls', 'a\u0085\u008eb', 'ab'],
    ['C0 controls', 'a\x00\x07\x08\x1ab', 'ab'],
    ['DEL', 'a\x7fb', 'ab'],
    ['tab becomes a space', 'a\tb', 'a b'],
    ['newlines become one space', 'a\r\nb', 'a b'],
    ['bidi override', 'abc\u202Eexe.txt', 'abcexe.txt'],
    ['bidi isolate', 'a\u2066b\u2069c', 'abc'],
    ['empty', '', ''],
  ])('%s', (_name, input, expected) => {
    expect(sanitizeForTerminal(input)).toBe(expected);
  });

  it('leaves no ESC, C0, DEL or C1 in any output', () => {
    let all = '';
    for (let c = 0; c < 0xa0; c++) all += String.fromCharCode(c) + 'x';
    const out = sanitizeForTerminal(all);
    expect(out).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });
});
