import React, { useReducer } from 'react';
import { useInput, useStdin } from 'ink';
import { Dashboard } from './Dashboard.js';
import { keyAction, uiReducer } from './keys.js';
import { useSessionState, type StateSource } from './use-session-state.js';
import { useTerminalSize } from './use-terminal-size.js';

/** What the live app may ask of the session (the session's `Controls` fit this). */
export interface LiveControls {
  quit(): void;
  interrupt(signal: 'SIGINT'): void;
  togglePause(): void;
}

export interface LiveAppProps {
  /** The session's store: read its published state, never dispatch. */
  readonly store: StateSource;
  /** Keys are turned into these calls; the session owns every lifecycle. */
  readonly controls: LiveControls;
  /** Length of the store's latency window, for its label; default 5000 ms. */
  readonly windowMs?: number;
}

/**
 * The one container: subscribes to the store, follows the terminal's size, maps keys to the
 * session's controls, and renders the Dashboard. Everything it shows comes from the state.
 */
export function LiveApp({ store, controls, windowMs }: LiveAppProps): React.JSX.Element | null {
  const state = useSessionState(store);
  const { columns, rows } = useTerminalSize();
  const [ui, dispatch] = useReducer(uiReducer, { showHelp: false });
  const { isRawModeSupported } = useStdin();
  // Without a TTY on stdin useInput throws, and isRawModeSupported is undefined, not false (FACTS.md).
  useInput(
    (input, key) => {
      const action = keyAction(input, key, ui.showHelp);
      if (action === null) return;
      if (action.type === 'session/quit') controls.quit();
      else if (action.type === 'session/interrupt') controls.interrupt('SIGINT');
      else if (action.type === 'load/toggle-pause') controls.togglePause();
      else dispatch(action);
    },
    { isActive: isRawModeSupported === true },
  );
  return <Dashboard state={state} columns={columns} rows={rows} showHelp={ui.showHelp} windowMs={windowMs} />;
}
