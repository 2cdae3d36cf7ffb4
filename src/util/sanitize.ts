/**
 * Text that comes from other programs (a process's comm, its cmdline, a thread's name) is
 * chosen by whoever started that program: `prctl(PR_SET_NAME)` and argv accept any bytes
 * but NUL. Printed as is, `\x1b]0;pwned\x07` retitles the terminal, `\x1b[2J` clears it,
 * and `\x1b]52;c;…` writes the clipboard on some terminals. Everything such a name can
 * contain is therefore reduced here to printable text before any of it reaches the screen.
 *
 * Removed (ECMA-48 5th ed., §5.3–5.6, and xterm's ctlseqs):
 * - CSI sequences: ESC [ (or C1 0x9B) parameter bytes 0x30–0x3F, intermediate bytes
 *   0x20–0x2F, one final byte 0x40–0x7E (colours, cursor moves, erase, ...);
 * - OSC, DCS, SOS, PM, APC strings: ESC ] / ESC P / ESC X / ESC ^ / ESC _ (or their C1 forms
 *   0x9D 0x90 0x98 0x9E 0x9F) up to the string terminator (BEL, ESC \ or C1 0x9C), or to the
 *   end of the text when it is never terminated;
 * - other escape sequences: ESC, intermediate bytes 0x20–0x2F, one final byte 0x30–0x7E
 *   (ESC c resets the terminal, ESC ( 0 switches to line drawing);
 * - every remaining C0 control (0x00–0x1F), DEL (0x7F) and C1 control (0x80–0x9F);
 * - every Unicode format character (general category Cf): the bidirectional overrides and
 *   isolates (U+202A–U+202E, U+2066–U+2069) and marks (U+200E, U+200F, U+061C), which reorder
 *   what is displayed after them (CVE-2021-42574, "Trojan Source"); the zero-width space,
 *   joiners, word joiner and BOM (U+200B–U+200D, U+2060, U+FEFF), the soft hyphen (U+00AD)
 *   and the tag characters (U+E0000–U+E007F): invisible, so a name can hide text, and
 *   terminals disagree on their width (a ZWJ emoji sequence is 2 columns to string-width
 *   and 4 or more to tmux), which breaks the layout;
 * - lone surrogates (only a JSON recording can hold them): no character at all.
 *
 * Whitespace controls (TAB, LF, VT, FF, CR) and the line and paragraph separators (U+2028,
 * U+2029) become one space, so that `a\tb` does not read `ab`; runs of them collapse into one.
 */

// ESC-introduced and C1-introduced control strings, terminated by BEL, ST (ESC \) or C1 ST, or unterminated.
const CONTROL_STRING = /(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[\s\S]*?(?:\x07|\x1b\\|\x9c|$)/g;
const CSI = /(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?/g;
const OTHER_ESCAPE = /\x1b[\x20-\x2f]*[\x30-\x7e]?/g;
const WHITESPACE_CONTROLS = /[\t\n\v\f\r\u2028\u2029]+/g;
const OTHER_CONTROLS = /[\x00-\x1f\x7f-\x9f\p{Cf}\p{Cs}]/gu;

// Anything that can start a sequence or is itself removed; most names contain none of it.
const SUSPECT = /[\x00-\x1f\x7f-\x9f\u2028\u2029\p{Cf}\p{Cs}]/u;

/** Returns `text` with every terminal escape sequence and control character removed. */
export function sanitizeForTerminal(text: string): string {
  if (!SUSPECT.test(text)) return text;
  return text
    .replace(CONTROL_STRING, '')
    .replace(CSI, '')
    .replace(OTHER_ESCAPE, '')
    .replace(WHITESPACE_CONTROLS, ' ')
    .replace(OTHER_CONTROLS, '');
}
