import React from 'react';
import type { Phase } from '../src/session/state.js';
import { fitLine, lineWidth, type Line, type Segment } from './line.js';
import { TextLine } from './TextLine.js';
import { sanitizeForTerminal } from '../src/util/sanitize.js';

export interface FooterOptions {
  /** The filter being typed after `/`: the footer becomes its prompt. */
  readonly filterDraft?: string | null;
  /** Open loop: ←/→ change the rate (↑/↓ the connections in closed loop). */
  readonly openLoop?: boolean;
  /** The view is frozen: `f` resumes it. */
  readonly frozen?: boolean;
  /**
   * Something the run wants seen now (a recording stopped: the disk is full), raw (sanitized
   * here): it follows the three main keys, in yellow, in place of the other keys.
   */
  readonly notice?: string | null;
}

/**
 * `q quit · space pause · ? help`, saying what each key would do now, then as many of the
 * other keys as fit (the help lists them all), or the notice. While a filter is typed: its prompt.
 */
export function footerLine(phase: Phase, showHelp: boolean, width: number, options: FooterOptions = {}): Line {
  const draft = options.filterDraft ?? null;
  if (draft !== null) {
    return fitLine(
      [
        { text: 'filter: ', bold: true },
        { text: sanitizeForTerminal(draft) },
        { text: '▏', bold: true },
        { text: '  Enter', bold: true },
        { text: ' apply · ', dim: true },
        { text: 'Esc', bold: true },
        { text: ' clear', dim: true },
      ],
      width,
    );
  }
  const canPause = phase === 'loading' || phase === 'paused';
  const keys: Array<[string, string]> = [['q', 'quit']];
  if (canPause) keys.push(['space', phase === 'paused' ? 'resume' : 'pause']);
  keys.push(['?', showHelp ? 'close help' : 'help']);
  // The rest, added whole while they fit, in order of use in a demo.
  const more: Array<[string, string]> = [];
  if (canPause) more.push(options.openLoop ? ['←→', 'rate'] : ['↑↓', 'conns']);
  more.push(['f', options.frozen ? 'unfreeze' : 'freeze'], ['t', 'collapse'], ['s', 'sort'], ['/', 'filter'], ['j/k', 'cursor']);
  const out: Segment[] = [];
  const add = ([k, what]: [string, string], into: Segment[]) => {
    if (into.length > 0) into.push({ text: ' · ', dim: true });
    into.push({ text: k, bold: true }, { text: ` ${what}`, dim: true });
  };
  for (const key of keys) add(key, out);
  const notice = options.notice ?? null;
  if (notice !== null) return fitLine([...out, { text: ' · ', dim: true }, { text: `⚠ ${sanitizeForTerminal(notice)}`, color: 'yellow' }], width);
  for (const key of more) {
    const next = [...out];
    add(key, next);
    if (lineWidth(next) > width) break;
    out.splice(0, out.length, ...next);
  }
  return fitLine(out, width);
}

export interface FooterProps extends FooterOptions {
  /** Decides whether space pauses, resumes, or does nothing. */
  readonly phase: Phase;
  /** Whether the help overlay is open. */
  readonly showHelp: boolean;
  /** Columns available. */
  readonly widthColumns: number;
}

/** One line of keys at the bottom of the screen (or the filter's prompt). */
export function Footer({ phase, showHelp, widthColumns, ...options }: FooterProps): React.JSX.Element {
  return <TextLine line={footerLine(phase, showHelp, widthColumns, options)} />;
}
