import React from 'react';
import { Box } from 'ink';
import { fitLine, type Line } from './line.js';
import { TextLine } from './TextLine.js';
import { BORN_HIGHLIGHT_MS, DIED_SHOW_MS } from './thread-rows.js';

/** The keys, then how to read the thread pane; the keys come first so they survive a short budget. */
export function helpLines(width: number): Line[] {
  const key = (k: string, what: string): Line => [{ text: '  ' }, { text: k.padEnd(11), bold: true }, { text: what }];
  const lines: Line[] = [
    [{ text: 'Keys', bold: true }],
    key('q, Ctrl-C', 'quit: stop the load and the server, print the summary'),
    key('space', 'pause / resume the load'),
    key('?', 'show / hide this help'),
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
  ];
  return lines.map((l) => fitLine(l, width));
}

export interface HelpOverlayProps {
  /** Columns available, border included. */
  readonly widthColumns: number;
  /** Lines available, border included; the overlay never prints more. */
  readonly rows: number;
}

/** The keys and a legend, in a box when it fits, shown in place of the panes. */
export function HelpOverlay({ widthColumns, rows }: HelpOverlayProps): React.JSX.Element {
  const boxed = rows >= 4 && widthColumns >= 20;
  const inner = boxed ? widthColumns - 4 : widthColumns;
  const lines = helpLines(inner).slice(0, Math.max(0, boxed ? rows - 2 : rows));
  return (
    <Box
      flexDirection="column"
      width={widthColumns}
      height={rows}
      overflow="hidden"
      {...(boxed ? { borderStyle: 'round' as const, borderColor: 'cyan', paddingX: 1 } : {})}
    >
      {lines.map((line, k) => (
        <TextLine key={k} line={line} />
      ))}
    </Box>
  );
}
