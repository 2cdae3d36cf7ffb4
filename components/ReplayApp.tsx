import React, { useEffect, useMemo, useReducer } from 'react';
import { Box, Text, useInput, useStdin } from 'ink';
import { Dashboard } from './Dashboard.js';
import { replayKeyAction, replayLineText } from './replay-keys.js';
import { useTerminalSize } from './use-terminal-size.js';
import type { SessionEvent } from '../src/session/events.js';
import { cursorText, eventsUntil, Folder, playbackReducer, recordingDurationMs, startPlayback } from '../src/session/playback.js';

export interface ReplayAppProps {
  /** The recorded events, in the order the live store folded them. */
  readonly events: readonly SessionEvent[];
  /** Called on q or Ctrl-C; the front end unmounts. */
  readonly onQuit: () => void;
  /** Start playing at once (default), or paused at 0:00. */
  readonly autoPlay?: boolean;
  /** How often the clock advances, wall ms; default 200 (the live view publishes at 250). */
  readonly tickMs?: number;
  /** Wall clock in ms; default performance.now (tests pass their own). */
  readonly now?: () => number;
  /** Length of the store's latency window, for its label; default 5000 ms. */
  readonly windowMs?: number;
}

const wallClock = () => performance.now();

/**
 * The replay's container: the same Dashboard as the live view, fed by the state the recorded
 * events fold to at the playback position. The one timer here is the playback clock; the
 * state is a pure fold (Folder), so seeking back is folding again from a kept state.
 */
export function ReplayApp({ events, onQuit, autoPlay = true, tickMs = 200, now = wallClock, windowMs }: ReplayAppProps): React.JSX.Element | null {
  const durationMs = useMemo(() => recordingDurationMs(events), [events]);
  const folder = useMemo(() => new Folder(events), [events]);
  const [playback, dispatch] = useReducer(playbackReducer, durationMs, (d) => startPlayback(d, autoPlay));
  const { columns, rows } = useTerminalSize();
  const { isRawModeSupported } = useStdin();

  useEffect(() => {
    if (!playback.playing) return;
    let last = now();
    const timer = setInterval(() => {
      const t = now();
      dispatch({ type: 'replay/tick', elapsedMs: t - last });
      last = t;
    }, tickMs);
    return () => clearInterval(timer);
  }, [playback.playing, tickMs, now]);

  // Without a TTY on stdin useInput throws, and isRawModeSupported is undefined, not false (FACTS.md).
  useInput(
    (input, key) => {
      const action = replayKeyAction(input, key);
      if (action === null) return;
      if (action.type === 'replay/quit') onQuit();
      else dispatch(action);
    },
    { isActive: isRawModeSupported === true },
  );

  const count = eventsUntil(events, playback.positionMs);
  const state = useMemo(() => folder.stateAfter(count), [folder, count]);
  return (
    <Box flexDirection="column" width={columns}>
      {/* The replay's time cursor and keys take the footer's row: a replay has no load to steer. */}
      <Dashboard
        state={state}
        columns={columns}
        rows={rows}
        showHelp={false}
        windowMs={windowMs}
        footer={
          <Text wrap="truncate-end" color="cyan">
            {replayLineText(cursorText(playback), columns)}
          </Text>
        }
      />
    </Box>
  );
}
