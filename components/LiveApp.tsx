import React, { useRef, useState, useSyncExternalStore } from 'react';
import { useInput, useStdin } from 'ink';
import { isOpenLoop } from '../src/load/plan.js';
import type { SessionState } from '../src/session/state.js';
import { ColorContext } from './color.js';
import { Dashboard, threadPaneExtent } from './Dashboard.js';
import { Footer } from './Footer.js';
import { currentLoadSetting } from './Header.js';
import { INITIAL_UI, LOAD_LIMITS, keyAction, nextLoadSetting, uiReducer, type KeyAction, type KeyFlags, type LoadKnob, type UiState } from './keys.js';
import type { ThreadView } from './thread-rows.js';
import { useSessionState, type StateSource } from './use-session-state.js';
import { useTerminalSize } from './use-terminal-size.js';

/** A change to the running load: add this many connections, or requests/s (negative: fewer). */
export type LoadAdjustmentRequest = { readonly connections: number } | { readonly rate: number };

/** What the live app may ask of the session (the session's `Controls` fit this). */
export interface LiveControls {
  quit(): void;
  interrupt(signal: 'SIGINT'): void;
  togglePause(): void;
  /**
   * Change the running load by a step (↑/↓ connections, ←/→ rate): the value is a difference
   * to add to the current setting (nextLoadSetting(current) − current), so presses made before
   * the store publishes the first still add up. The session applies it and emits `load/adjusted`.
   * Absent: the keys do nothing.
   */
  adjustLoad?(change: LoadAdjustmentRequest): void;
}

/** A line the run wants on screen now (a stopped recording), outside the session's state. */
export interface NoticeSource {
  /** The notice now, raw (the footer sanitizes it); null: none. */
  getNotice(): string | null;
  /** Returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

const NO_NOTICE: NoticeSource = { getNotice: () => null, subscribe: () => () => undefined };

export interface LiveAppProps {
  /** The session's store: read its published state, never dispatch. */
  readonly store: StateSource;
  /** Keys are turned into these calls; the session owns every lifecycle. */
  readonly controls: LiveControls;
  /** Length of the store's latency window, for its label; default 5000 ms. */
  readonly windowMs?: number;
  /** False: no colours (NO_COLOR, --no-color); bold, dim and inverse stay. Default true. */
  readonly color?: boolean;
  /** Shown in the footer while set (a recording that stopped, the run going on). Default: none. */
  readonly notice?: NoticeSource;
}

/**
 * The step a load key asks for, as a difference to the setting now; null when that knob cannot
 * change (no load running, a ramp owns it, or a rate key in closed loop).
 */
export function loadStep(state: SessionState, knob: LoadKnob, direction: 1 | -1): LoadAdjustmentRequest | null {
  const config = state.config;
  const running = state.phase === 'loading' || state.phase === 'paused';
  if (config === null || !running || config.ramp !== null) return null;
  if (knob === 'rate' && !isOpenLoop(config)) return null;
  const current = currentLoadSetting(state)[knob];
  if (current === null) return null;
  const delta = nextLoadSetting(current, direction, LOAD_LIMITS[knob]) - current;
  if (delta === 0) return null;
  return knob === 'rate' ? { rate: delta } : { connections: delta };
}

/**
 * The one container: subscribes to the store, follows the terminal's size, maps keys to the
 * session's controls or to its own view state, and renders the Dashboard. Everything it shows
 * comes from the state (or, frozen, from the state of the moment `f` was pressed).
 */
export function LiveApp({ store, controls, windowMs, color = true, notice = NO_NOTICE }: LiveAppProps): React.JSX.Element | null {
  const live = useSessionState(store);
  const noticeText = useSyncExternalStore(notice.subscribe, notice.getNotice);
  const { columns, rows } = useTerminalSize();
  // Keys can come faster than renders (several events, or one chunk `/856` from a fast typist
  // or tmux): each is read against the UI state the previous one left, kept in a ref.
  const uiRef = useRef<UiState>(INITIAL_UI);
  const [ui, setUi] = useState<UiState>(INITIAL_UI);
  // The state on screen while frozen; the store keeps publishing underneath.
  const frozenRef = useRef<SessionState | null>(null);
  const liveRef = useRef(live);
  liveRef.current = live;
  const state = ui.frozen && frozenRef.current !== null ? frozenRef.current : live;
  const { isRawModeSupported } = useStdin();

  const handle = (action: KeyAction): void => {
    const now = uiRef.current;
    switch (action.type) {
      case 'session/quit':
        return controls.quit();
      case 'session/interrupt':
        return controls.interrupt('SIGINT');
      case 'load/toggle-pause':
        return controls.togglePause();
      case 'load/adjust': {
        // From the live state: a frozen screen still changes the load the run has now.
        const change = loadStep(liveRef.current, action.knob, action.direction);
        if (change !== null) controls.adjustLoad?.(change);
        return;
      }
      case 'ui/toggle-freeze':
        frozenRef.current = now.frozen ? null : liveRef.current;
        break;
      case 'ui/move': {
        const shown = now.frozen && frozenRef.current !== null ? frozenRef.current : liveRef.current;
        uiRef.current = uiReducer(now, { ...action, ...threadPaneExtent(shown, columns, rows, viewOf(now)) });
        return setUi(uiRef.current);
      }
      default:
        break;
    }
    uiRef.current = uiReducer(now, action);
    setUi(uiRef.current);
  };

  // Without a TTY on stdin useInput throws, and isRawModeSupported is undefined, not false (FACTS.md).
  useInput(
    (input, key) => {
      // A chunk (typed fast, pasted, sent by tmux) is one key after another: `/gun⏎` starts a
      // filter, types `gun`, applies it.
      const keys = input.length > 1 && !key.ctrl && !key.meta ? splitChunk(input) : [[input, key] as const];
      for (const [ch, flags] of keys) {
        const action = keyAction(ch, flags, uiRef.current);
        if (action !== null) handle(action);
      }
    },
    { isActive: isRawModeSupported === true },
  );
  return (
    <ColorContext.Provider value={color}>
      <Dashboard
        state={state}
        columns={columns}
        rows={rows}
        showHelp={ui.showHelp}
        windowMs={windowMs}
        view={viewOf(ui)}
        frozen={ui.frozen}
        filterDraft={ui.filterDraft}
        footer={
          noticeText === null ? undefined : (
            <Footer
              phase={state.phase}
              showHelp={ui.showHelp}
              widthColumns={columns}
              filterDraft={ui.filterDraft}
              openLoop={state.config !== null && isOpenLoop(state.config)}
              frozen={ui.frozen}
              notice={noticeText}
            />
          )
        }
      />
    </ColorContext.Provider>
  );
}

/** A chunk of input as single keys: Enter, Backspace and Tab keep their meaning, the rest is text. */
export function splitChunk(input: string): Array<readonly [string, KeyFlags]> {
  return Array.from(input).map((ch) => {
    if (ch === '\r' || ch === '\n') return ['', { return: true }] as const;
    if (ch === '\x7f' || ch === '\b') return ['', { backspace: true }] as const;
    if (ch === '\t') return ['', { tab: true }] as const;
    return [ch, {}] as const;
  });
}

/** What the thread pane needs of the UI state. */
function viewOf(ui: UiState): ThreadView {
  // The filter being typed applies as it is typed; Enter keeps it, Esc drops it.
  return { sort: ui.sort, filter: ui.filterDraft ?? ui.filter, collapsed: ui.collapsed, cursor: ui.cursor };
}
