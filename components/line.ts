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
