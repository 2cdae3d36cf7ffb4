import React from 'react';
import type { Phase } from '../src/session/state.js';
import { fitLine, type Line, type Segment } from './line.js';
import { TextLine } from './TextLine.js';

/** `q quit · space pause · ? help`, saying what each key would do now. */
export function footerLine(phase: Phase, showHelp: boolean, width: number): Line {
  const canPause = phase === 'loading' || phase === 'paused';
  const keys: Array<[string, string]> = [['q', 'quit']];
  if (canPause) keys.push(['space', phase === 'paused' ? 'resume' : 'pause']);
  keys.push(['?', showHelp ? 'close help' : 'help']);
  const out: Segment[] = [];
  keys.forEach(([k, what], i) => {
    if (i > 0) out.push({ text: ' · ', dim: true });
    out.push({ text: k, bold: true }, { text: ` ${what}`, dim: true });
  });
  return fitLine(out, width);
}

export interface FooterProps {
  /** Decides whether space pauses, resumes, or does nothing. */
  readonly phase: Phase;
  /** Whether the help overlay is open. */
  readonly showHelp: boolean;
  /** Columns available. */
  readonly widthColumns: number;
}

/** One line of keys at the bottom of the screen. */
export function Footer({ phase, showHelp, widthColumns }: FooterProps): React.JSX.Element {
  return <TextLine line={footerLine(phase, showHelp, widthColumns)} />;
}
