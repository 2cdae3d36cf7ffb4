import { describe, expect, it } from 'vitest';
import { lineText, lineWidth, wrapLine, type Line, type Segment } from '../../components/line.js';

const INDENT: Segment = { text: '    ', dim: true };
const texts = (lines: Line[]) => lines.map(lineText);
/** The words of lines, in order: what wrapping must neither lose nor reorder. */
const words = (lines: Line[]) => lines.map(lineText).join(' ').split(/ +/).filter((w) => w !== '');

describe('wrapLine', () => {
  it('leaves a line that fits as it is', () => {
    const line: Line = [{ text: 'a · b' }];
    expect(wrapLine(line, 5, INDENT)).toEqual([line]);
  });

  it('breaks after a separator, which ends the line as " ·"', () => {
    expect(texts(wrapLine([{ text: 'label ' }, { text: 'alpha · beta · gamma' }], 16, INDENT))).toEqual(['label alpha ·', '    beta · gamma']);
  });

  it('breaks between words when a part is too long for a line, and gives an over-wide word its own', () => {
    expect(texts(wrapLine([{ text: 'one two three four' }], 9, INDENT))).toEqual(['one two', '    three', '    four']);
    expect(texts(wrapLine([{ text: 'a supercalifragilistic b' }], 8, INDENT))).toEqual(['a', '    supercalifragilistic', '    b']);
  });

  it('keeps each word\'s style across the break', () => {
    const lines = wrapLine([{ text: 'x · ' }, { text: 'red words here', color: 'red' }], 10, INDENT);
    expect(texts(lines)).toEqual(['x ·', '    red', '    words', '    here']);
    for (const line of lines.slice(1)) expect(line.filter((s) => s !== INDENT).every((s) => s.color === 'red')).toBe(true);
  });

  it('never wider than asked (but for single words), never loses or reorders a word', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const vocabulary = ['a', 'pids', '24/24', '(the', 'limit)', '·', 'watchload-models:823abc6d0f9d', 'mem', '73.2', 'MiB'];
    for (let trial = 0; trial < 300; trial++) {
      const line: Segment[] = Array.from({ length: 1 + Math.floor(next() * 4) }, () => ({
        text: Array.from({ length: 1 + Math.floor(next() * 8) }, () => vocabulary[Math.floor(next() * vocabulary.length)]).join(' ') + (next() < 0.5 ? ' ' : ''),
        ...(next() < 0.5 ? { color: 'red' } : {}),
      }));
      const width = 10 + Math.floor(next() * 60);
      const wrapped = wrapLine(line, width, INDENT);
      expect(words(wrapped)).toEqual(words([line]));
      for (const out of wrapped) {
        if (lineWidth(out) > width) expect(lineText(out).trim().split(' ')).toHaveLength(1);
        if (wrapped.length > 1) expect(lineText(out)).toBe(lineText(out).trimEnd());
      }
    }
  });
});
