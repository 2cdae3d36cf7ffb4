import React from 'react';
import { Box } from 'ink';
import { TextLine } from './TextLine.js';
import { latencyPaneLines, type LatencyInput } from './latency-rows.js';

export interface LatencyPaneProps extends LatencyInput {
  /** Columns available. */
  readonly widthColumns: number;
  /** Lines available; the pane never prints more. */
  readonly rows: number;
}

/** What the clients feel: percentiles (window and cumulative), req/s and p99 trends, histogram. */
export function LatencyPane(props: LatencyPaneProps): React.JSX.Element {
  const lines = latencyPaneLines(props, props.widthColumns, props.rows);
  return (
    <Box flexDirection="column" width={props.widthColumns} height={props.rows} overflow="hidden">
      {lines.map((line, k) => (
        <TextLine key={k} line={line} />
      ))}
    </Box>
  );
}
