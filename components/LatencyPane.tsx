import React from 'react';
import { Box } from 'ink';
import type { SparseHistogram } from '../src/load/types.js';
import { TextLine } from './TextLine.js';
import { latencyPaneLines } from './latency-rows.js';

export interface LatencyPaneProps {
  /** Latencies of the sliding window (the live bars and the `last …` percentiles). */
  readonly windowHistogram: SparseHistogram;
  /** Every latency since load started (the `all` percentiles and the histogram's axis). */
  readonly cumulativeHistogram: SparseHistogram;
  /** The window's length as shown, e.g. `5 s`. */
  readonly windowLabel: string;
  /** Completed responses per whole second of load, oldest first (the sparkline). */
  readonly rpsPerSecond: readonly number[];
  /** p99 of the sliding window at each sample, oldest first (the p99 trend); null while empty. */
  readonly p99MsPerSample: readonly (number | null)[];
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
