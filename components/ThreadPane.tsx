import React from 'react';
import { Box } from 'ink';
import type { Snapshot } from '../src/proc/types.js';
import type { ProcessEventLog, ProcessTrack, ThreadChange } from '../src/session/state.js';
import { TextLine } from './TextLine.js';
import { BORN_HIGHLIGHT_MS, DIED_SHOW_MS, planThreadPane, threadPaneLines, type ThreadView } from './thread-rows.js';

export interface ThreadPaneProps {
  /** The latest sample of the server's tree; null before the first one. */
  readonly snapshot: Snapshot | null;
  /** Recent thread births, newest last; those within `bornHighlightMs` of `nowMs` get a green `+`. */
  readonly births: readonly ThreadChange[];
  /** Recent thread deaths, newest last; those within `diedShowMs` of `nowMs` are listed in red. */
  readonly deaths: readonly ThreadChange[];
  /** The session's "now", on the same clock as the changes' tMs. */
  readonly nowMs: number;
  /** Columns available. */
  readonly widthColumns: number;
  /** Lines available; the pane never prints more. */
  readonly rows: number;
  /** How long a new thread stays highlighted; default 2000 ms. */
  readonly bornHighlightMs?: number;
  /** How long a dead thread stays listed; default 2000 ms. */
  readonly diedShowMs?: number;
  /** Sort, filter, collapsed, cursor (keys.ts); the fitted overview when absent. */
  readonly view?: ThreadView;
  /** Each process's thread count over the run (state.processes): a sparkline under its row when there is room. */
  readonly tracks?: Readonly<Record<string, ProcessTrack>>;
  /** Processes of the server that exited or started during the run (state.processEvents): one `✝` line, kept all run. */
  readonly processEvents?: ProcessEventLog;
}

/**
 * `top -H` for the server's tree: a row per process with its threads under it (folded when
 * they do not all fit; see `planThreadPane`), each saying what it did over the last interval
 * (`ran 37ms`, `slept`) beside its state letter at the instant of the sample.
 */
export function ThreadPane(props: ThreadPaneProps): React.JSX.Element {
  const plan = planThreadPane(
    {
      snapshot: props.snapshot,
      births: props.births,
      deaths: props.deaths,
      nowMs: props.nowMs,
      bornHighlightMs: props.bornHighlightMs ?? BORN_HIGHLIGHT_MS,
      diedShowMs: props.diedShowMs ?? DIED_SHOW_MS,
      view: props.view,
      tracks: props.tracks,
      processEvents: props.processEvents,
    },
    props.rows,
  );
  return (
    <Box flexDirection="column" width={props.widthColumns} height={props.rows} overflow="hidden">
      {threadPaneLines(plan, props.widthColumns, props.rows).map((line, k) => (
        <TextLine key={k} line={line} />
      ))}
    </Box>
  );
}
