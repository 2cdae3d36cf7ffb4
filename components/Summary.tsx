import React from 'react';
import { Box } from 'ink';
import type { SessionState } from '../src/session/state.js';
import { summaryLines } from './summary-text.js';
import { TextLine } from './TextLine.js';

export interface SummaryProps {
  /** The session's final state. */
  readonly state: SessionState;
}

/** The final summary in colour; the same lines as `renderSummaryText(state)`. */
export function Summary({ state }: SummaryProps): React.JSX.Element {
  return (
    <Box flexDirection="column">
      {summaryLines(state).map((line, k) => (
        <TextLine key={k} line={line} wrap="wrap" />
      ))}
    </Box>
  );
}
