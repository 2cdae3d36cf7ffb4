import React from 'react';
import { Box } from 'ink';
import type { GuardResult, Insight } from '../src/insights/types.js';
import { insightLines } from './insight-lines.js';
import { TextLine } from './TextLine.js';

export interface InsightsStripProps {
  readonly insights: readonly Insight[];
  readonly guards: readonly GuardResult[];
  readonly rows: number;
  readonly widthColumns: number;
  readonly loadStarted: boolean;
}

/** What the run showed, named, under the panes. */
export function InsightsStrip({ insights, guards, rows, widthColumns, loadStarted }: InsightsStripProps): React.JSX.Element {
  return (
    <Box flexDirection="column" height={rows}>
      {insightLines(insights, guards, rows, widthColumns, loadStarted).map((line, k) => (
        <TextLine key={k} line={line} />
      ))}
    </Box>
  );
}
