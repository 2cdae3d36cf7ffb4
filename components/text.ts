/**
 * Width-aware text fitting for fixed columns. Ink measures with string-width; the table below
 * agrees with it on what watchload prints (ASCII, box and block drawing, `·`, `×`, `…`, `µ`,
 * all one column) and on the common double-width (CJK, emoji) and zero-width (combining marks,
 * joiners, variation selectors) ranges that can appear in a thread's name. Anything it gets
 * wrong is still cut by `wrap="truncate-end"` on every line, so a line never wraps.
 */

const ZERO_WIDTH: ReadonlyArray<readonly [number, number]> = [
  [0x0300, 0x036f], [0x0483, 0x0489], [0x0591, 0x05bd], [0x0610, 0x061a], [0x064b, 0x065f],
  [0x1ab0, 0x1aff], [0x1dc0, 0x1dff], [0x200b, 0x200f], [0x2028, 0x202e], [0x2060, 0x206f],
  [0x20d0, 0x20ff], [0xfe00, 0xfe0f], [0xfe20, 0xfe2f], [0xfeff, 0xfeff], [0xe0000, 0xe01ef],
];

const DOUBLE_WIDTH: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x23f0, 0x23f0],
  [0x23f3, 0x23f3], [0x25fd, 0x25fe], [0x2614, 0x2615], [0x2648, 0x2653], [0x267f, 0x267f],
  [0x2693, 0x2693], [0x26a1, 0x26a1], [0x26aa, 0x26ab], [0x26bd, 0x26be], [0x26c4, 0x26c5],
  [0x26ce, 0x26ce], [0x26d4, 0x26d4], [0x26ea, 0x26ea], [0x26f2, 0x26f5], [0x26fa, 0x26fd],
  [0x2705, 0x2705], [0x270a, 0x270b], [0x2728, 0x2728], [0x274c, 0x274c], [0x2753, 0x2755],
  [0x2757, 0x2757], [0x2795, 0x2797], [0x27b0, 0x27b0], [0x27bf, 0x27bf], [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50], [0x2b55, 0x2b55], [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf],
  [0x4e00, 0x9fff], [0xa000, 0xa4cf], [0xa960, 0xa97f], [0xac00, 0xd7a3], [0xf900, 0xfaff],
  [0xfe10, 0xfe19], [0xfe30, 0xfe6f], [0xff00, 0xff60], [0xffe0, 0xffe6], [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf], [0x1f18e, 0x1f18e], [0x1f191, 0x1f19a], [0x1f200, 0x1f251],
  [0x1f300, 0x1f64f], [0x1f680, 0x1f6ff], [0x1f7e0, 0x1f7eb], [0x1f90c, 0x1f9ff],
  [0x1fa70, 0x1faff], [0x20000, 0x3fffd],
];

function inRanges(cp: number, ranges: ReadonlyArray<readonly [number, number]>): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [from, to] = ranges[mid];
    if (cp < from) hi = mid - 1;
    else if (cp > to) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Terminal columns taken by one code point. */
export function charWidth(cp: number): 0 | 1 | 2 {
  if (inRanges(cp, ZERO_WIDTH)) return 0;
  if (inRanges(cp, DOUBLE_WIDTH)) return 2;
  return 1;
}

/** Terminal columns taken by `text` (which must already be free of control characters). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch.codePointAt(0)!);
  return width;
}

/** The longest prefix of `text` that takes at most `width` columns. */
function takeColumns(text: string, width: number): string {
  let used = 0;
  let out = '';
  for (const ch of text) {
    const w = charWidth(ch.codePointAt(0)!);
    if (used + w > width) break;
    used += w;
    out += ch;
  }
  return out;
}

/** `text` cut to `width` columns, ending in `…` when something was cut. */
export function truncateEnd(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  return takeColumns(text, width - 1) + '…';
}

/**
 * `text` cut to `width` columns by removing its middle (`node /work/…/cluster.js --workers 4`):
 * a command line's program and its last arguments say more than the path between them.
 */
export function truncateMiddle(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  if (width < 5) return truncateEnd(text, width);
  const headWidth = Math.ceil((width - 1) / 2);
  const tailWidth = width - 1 - headWidth;
  const chars = Array.from(text);
  let tail = '';
  let used = 0;
  for (let k = chars.length - 1; k >= 0; k--) {
    const w = charWidth(chars[k].codePointAt(0)!);
    if (used + w > tailWidth) break;
    used += w;
    tail = chars[k] + tail;
  }
  return takeColumns(text, headWidth) + '…' + tail;
}

/** `text` fitted to exactly `width` columns: cut with `…`, or padded with spaces on the right. */
export function padEnd(text: string, width: number): string {
  const cut = truncateEnd(text, width);
  return cut + ' '.repeat(Math.max(0, width - displayWidth(cut)));
}

/** `text` fitted to exactly `width` columns: cut with `…`, or padded with spaces on the left. */
export function padStart(text: string, width: number): string {
  const cut = truncateEnd(text, width);
  return ' '.repeat(Math.max(0, width - displayWidth(cut))) + cut;
}
