import { displayWidth, truncateEnd } from './text.js';

/**
 * What every pane renders: lines of styled segments. The panes' pure functions return these,
 * so tests read exact text without rendering, and a pane's height is its number of lines.
 * Colours are Ink colour names; whether they print is chalk's business (NO_COLOR, FORCE_COLOR).
 */
export interface Segment {
  readonly text: string;
  readonly color?: string;
  readonly dim?: boolean;
  readonly bold?: boolean;
  readonly inverse?: boolean;
}

export type Line = readonly Segment[];

/** The text of a line without its styles. */
export function lineText(line: Line): string {
  return line.map((s) => s.text).join('');
}

/** Columns a line takes. */
export function lineWidth(line: Line): number {
  return displayWidth(lineText(line));
}

/** The line cut to `width` columns (the last kept segment ends in `…`); empty segments dropped. */
export function fitLine(line: Line, width: number): Line {
  const out: Segment[] = [];
  let left = width;
  for (const segment of line) {
    if (left <= 0) break;
    const w = displayWidth(segment.text);
    if (w <= left) {
      if (segment.text !== '') out.push(segment);
      left -= w;
      continue;
    }
    out.push({ ...segment, text: truncateEnd(segment.text, left) });
    break;
  }
  return out;
}

/** The separator between a line's parts: `a · b · c`. */
const SEPARATOR = ' · ';

/**
 * The line in lines of at most `width` columns, each segment keeping its style; continuation
 * lines start with `indent`. Breaks fall after a ` · ` where they can, between words where a
 * part is too long for a line, and a word wider than the room gets a line of its own.
 */
export function wrapLine(line: Line, width: number, indent: Segment): Line[] {
  if (lineWidth(line) <= width) return [line];
  const parts: Segment[][] = [[]];
  for (const segment of line) {
    for (const text of segment.text.split(/( · )/)) {
      if (text === '') continue;
      parts[parts.length - 1].push({ ...segment, text });
      if (text === SEPARATOR) parts.push([]);
    }
  }
  const out: Segment[][] = [];
  let current: Segment[] = [];
  let used = 0;
  const hasContent = () => current.some((s) => s !== indent && s.text.trim() !== '');
  const atContinuation = () => current.length === 1 && current[0] === indent;
  // A line ends in its last visible character: no trailing spaces, a separator as ` ·`.
  const finish = () => {
    while (current.length > 0 && current[current.length - 1].text.trim() === '') current.pop();
    const last = current[current.length - 1];
    if (last !== undefined && last.text !== last.text.trimEnd()) current[current.length - 1] = { ...last, text: last.text.trimEnd() };
    out.push(current);
  };
  const breakLine = () => {
    finish();
    current = [indent];
    used = displayWidth(indent.text);
  };
  const add = (segments: readonly Segment[]) => {
    for (const segment of segments) {
      // A continuation line starts with its first word, not the spaces before it.
      const text = atContinuation() ? segment.text.trimStart() : segment.text;
      if (text === '') continue;
      current.push(text === segment.text ? segment : { ...segment, text });
      used += displayWidth(text);
    }
  };
  // How much of a part must fit: a separator it ends with may end the line as ` ·`.
  const fitWidth = (part: readonly Segment[]) => {
    const text = lineText(part).replace(/ · $/, ' ·');
    return displayWidth(atContinuation() ? text.trimStart() : text);
  };
  for (const part of parts) {
    if (part.length === 0) continue;
    if (used + fitWidth(part) <= width) {
      add(part);
      continue;
    }
    if (hasContent()) breakLine();
    if (used + fitWidth(part) <= width) {
      add(part);
      continue;
    }
    // A part too long for a line of its own: between its words. A word may span segments:
    // it is measured whole, and broken before, never inside.
    const tokens = part.flatMap((segment) => segment.text.split(/( +)/).filter((t) => t !== '').map((text) => ({ ...segment, text })));
    tokens.forEach((token, k) => {
      const blank = token.text.trim() === '';
      const startsWord = !blank && (k === 0 || tokens[k - 1].text.trim() === '');
      if (startsWord) {
        let wordWidth = 0;
        for (let j = k; j < tokens.length && tokens[j].text.trim() !== ''; j++) wordWidth += displayWidth(tokens[j].text);
        if (used + wordWidth > width && hasContent()) breakLine();
      }
      add([token]);
    });
  }
  if (hasContent()) finish();
  return out;
}
