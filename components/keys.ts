/**
 * What a key press means, as a pure function: the live app maps Ink's input to one of these
 * actions and then asks the session (quit, interrupt, pause) or flips its own help state.
 */
export type KeyAction =
  | { readonly type: 'session/quit' }
  | { readonly type: 'session/interrupt' }
  | { readonly type: 'load/toggle-pause' }
  | { readonly type: 'ui/toggle-help' }
  | { readonly type: 'ui/close-help' };

/** The parts of Ink's `Key` this reads. */
export interface KeyFlags {
  readonly ctrl?: boolean;
  readonly escape?: boolean;
}

/** `q` quits, Ctrl-C interrupts (like SIGINT), space pauses/resumes, `?` toggles help, Esc closes it. */
export function keyAction(input: string, key: KeyFlags, showHelp: boolean): KeyAction | null {
  if (key.ctrl && input === 'c') return { type: 'session/interrupt' };
  if (key.ctrl) return null;
  if (input === 'q' || input === 'Q') return { type: 'session/quit' };
  if (input === ' ') return { type: 'load/toggle-pause' };
  if (input === '?' || input === 'h') return { type: 'ui/toggle-help' };
  if (key.escape && showHelp) return { type: 'ui/close-help' };
  return null;
}

/** The UI's own state: only whether the help is open. */
export interface UiState {
  readonly showHelp: boolean;
}

export function uiReducer(state: UiState, action: KeyAction): UiState {
  switch (action.type) {
    case 'ui/toggle-help':
      return { showHelp: !state.showHelp };
    case 'ui/close-help':
      return { showHelp: false };
    default:
      return state;
  }
}
