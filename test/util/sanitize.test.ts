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
    ['every bidi embedding, override and isolate', '\u202a\u202b\u202c\u202d\u202ex\u2066\u2067\u2068\u2069', 'x'],
    ['bidi marks (LRM, RLM, ALM)', 'a\u200eb\u200fc\u061cd', 'abcd'],
    ['zero-width space, joiners, word joiner, BOM', 'a\u200bb\u200cc\u200dd\u2060e\ufefff', 'abcdef'],
    ['soft hyphen', 'ab\u00adcd', 'abcd'],
    ['tag characters (hidden ASCII)', 'ok\u{e0001}\u{e0068}\u{e0069}\u{e007f}', 'ok'],
    ['ZWJ emoji sequence falls apart into its emoji', '\u{1f468}\u200d\u{1f4bb}', '\u{1f468}\u{1f4bb}'],
    ['line and paragraph separators become a space', 'a\u2028b\u2029c', 'a b c'],
    ['a lone surrogate', 'a\ud800b\udc00c', 'abc'],
    ['a surrogate pair is kept', 'a\u{1f600}b', 'a\u{1f600}b'],
    ['C1 DCS ended by C1 ST', 'a\u0090q\u009cb', 'ab'],
    ['OSC 8 hyperlink ended by BEL', '\x1b]8;;http://evil\x07link\x1b]8;;\x07', 'link'],
    ['comm-sized clear screen', '\x1b[2J\x1b[H', ''],
    ['CR and erase line', '\r\x1b[Kx', ' x'],
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

  it('leaves no format character (Cf), separator or lone surrogate in any output', () => {
    let all = '';
    for (let c = 0x80; c < 0x10000; c++) all += String.fromCharCode(c) + 'x';
    for (let c = 0xe0000; c < 0xe0080; c++) all += String.fromCodePoint(c) + 'x';
    const out = sanitizeForTerminal(all);
    expect(out).not.toMatch(/[\x7f-\x9f\u2028\u2029\p{Cf}\p{Cs}]/u);
  });

  it('returns plain text as the same string (the common case costs one test)', () => {
    const name = 'gunicorn: worker [app:app]';
    expect(sanitizeForTerminal(name)).toBe(name);
  });
});
