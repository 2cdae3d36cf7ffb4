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
 * - bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), which reorder
 *   what is displayed after them (CVE-2021-42574, "Trojan Source").
 *
 * Whitespace controls (TAB, LF, VT, FF, CR) become one space, so that `a\tb` does not read
 * `ab`; runs of them collapse into one space.
 */

// ESC-introduced and C1-introduced control strings, terminated by BEL, ST (ESC \) or C1 ST, or unterminated.
const CONTROL_STRING = /(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[\s\S]*?(?:\x07|\x1b\\|\x9c|$)/g;
const CSI = /(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?/g;
const OTHER_ESCAPE = /\x1b[\x20-\x2f]*[\x30-\x7e]?/g;
const WHITESPACE_CONTROLS = /[\t\n\v\f\r]+/g;
const OTHER_CONTROLS = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

// Anything that can start a sequence or is itself removed; most names contain none of it.
const SUSPECT = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

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
