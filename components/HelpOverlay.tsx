import React, { useContext } from 'react';
import { Box } from 'ink';
import { fitLine, type Line } from './line.js';
import { TextLine } from './TextLine.js';
import { BORN_HIGHLIGHT_MS, DIED_SHOW_MS, SORT_LABELS } from './thread-rows.js';
import { LOAD_STEP_FACTOR, THREAD_SORTS } from './keys.js';
import { ColorContext } from './color.js';

/** The keys, then how to read the thread pane; the keys come first so they survive a short budget. */
export function helpLines(width: number, options: { readonly openLoop?: boolean } = {}): Line[] {
  const key = (k: string, what: string): Line => [{ text: '  ' }, { text: k.padEnd(13), bold: true }, { text: what }];
  const step = `×/÷ ${LOAD_STEP_FACTOR} per press`;
  const lines: Line[] = [
    [{ text: 'Keys', bold: true }],
    key('q, Ctrl-C', 'quit: stop the load and the server, print the summary'),
    key('space, p', 'pause / resume the load'),
    key('↑ / ↓', `more / fewer connections (${step})`),
    key('→ / ←', options.openLoop === false ? 'higher / lower rate: open loop (--rate) only' : `higher / lower rate, open loop (${step})`),
    key('f', 'freeze the screen (FROZEN) while the run goes on; f resumes'),
    key('t', 'collapse: process rows only, with their threads over time'),
    key('s', `sort threads in a process: ${THREAD_SORTS.map((s) => SORT_LABELS[s]).join(' → ')}`),
    key('/', 'filter by name: type, Enter applies, Esc clears'),
    key('j/k PgDn/Up', 'thread cursor: a row per thread, scrolls (Home/End; Esc)'),
    key('h, ?', 'show / hide this help'),
    [],
    [{ text: 'Thread states (proc(5))', bold: true }],
    [
      { text: '  ' },
      { text: 'R', color: 'green', bold: true },
      { text: ' running  ' },
      { text: 'S', dim: true },
      { text: ' sleeping  ' },
      { text: 'D', color: 'yellow', bold: true },
      { text: ' uninterruptible (disk)  ' },
      { text: 'Z', color: 'red', bold: true },
      { text: ' zombie' },
    ],
    [
      { text: '  ' },
      { text: '+', color: 'green', bold: true },
      { text: ` born in the last ${BORN_HIGHLIGHT_MS / 1000} s  ` },
      { text: '−', color: 'red', bold: true },
      { text: ` died in the last ${DIED_SHOW_MS / 1000} s  ` },
      { text: '4×', bold: true },
      { text: ' threads folded' },
    ],
    [{ text: '  Node names every thread `node`; after the · comes its role when known.', dim: true }],
    [{ text: '  A load changed with the arrows is marked ' }, { text: '▆', color: 'yellow', inverse: true }, { text: ' on req/s and said in the header: -c 80 ↑' }],
  ];
  return lines.map((l) => fitLine(l, width));
}

export interface HelpOverlayProps {
  /** Columns available, border included. */
  readonly widthColumns: number;
  /** Lines available, border included; the overlay never prints more. */
  readonly rows: number;
  /** Open loop: ←/→ change the rate. */
  readonly openLoop?: boolean;
}

/** The keys and a legend, in a box when it fits, shown in place of the panes. */
export function HelpOverlay({ widthColumns, rows, openLoop }: HelpOverlayProps): React.JSX.Element {
  const color = useContext(ColorContext);
  const boxed = rows >= 4 && widthColumns >= 20;
  const inner = boxed ? widthColumns - 4 : widthColumns;
  const lines = helpLines(inner, { openLoop }).slice(0, Math.max(0, boxed ? rows - 2 : rows));
  return (
    <Box
      flexDirection="column"
      width={widthColumns}
      height={rows}
      overflow="hidden"
      {...(boxed ? { borderStyle: 'round' as const, borderColor: color ? 'cyan' : undefined, paddingX: 1 } : {})}
    >
      {lines.map((line, k) => (
        <TextLine key={k} line={line} />
      ))}
    </Box>
  );
}
