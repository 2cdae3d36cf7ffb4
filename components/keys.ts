/**
 * What a key press means, as pure functions: the live app maps Ink's input to one of these
 * actions and then asks the session (quit, interrupt, pause, change the load) or folds it into
 * its own view state with `uiReducer` (help, freeze, collapse, sort, filter, cursor).
 */

/** How threads are ordered under their process: `s` cycles through these, tid first. */
export const THREAD_SORTS = ['tid', 'cpu', 'state', 'name'] as const;
export type ThreadSort = (typeof THREAD_SORTS)[number];

/** Which setting of the load a key changes: connections (↑/↓) or the open loop's rate (←/→). */
export type LoadKnob = 'connections' | 'rate';

export type KeyAction =
  | { readonly type: 'session/quit' }
  | { readonly type: 'session/interrupt' }
  | { readonly type: 'load/toggle-pause' }
  | { readonly type: 'load/adjust'; readonly knob: LoadKnob; readonly direction: 1 | -1 }
  | { readonly type: 'ui/toggle-help' }
  | { readonly type: 'ui/close-help' }
  | { readonly type: 'ui/toggle-freeze' }
  | { readonly type: 'ui/toggle-collapse' }
  | { readonly type: 'ui/cycle-sort' }
  | { readonly type: 'ui/filter-start' }
  | { readonly type: 'ui/filter-type'; readonly text: string }
  | { readonly type: 'ui/filter-backspace' }
  | { readonly type: 'ui/filter-apply' }
  | { readonly type: 'ui/filter-clear' }
  /** Cursor in the thread pane: a row, a page, or to an end; LiveApp adds the pane's extent. */
  | { readonly type: 'ui/move'; readonly unit: 'row' | 'page' | 'end'; readonly direction: 1 | -1 }
  | { readonly type: 'ui/cursor-off' };

/** The parts of Ink's `Key` this reads. */
export interface KeyFlags {
  readonly ctrl?: boolean;
  readonly meta?: boolean;
  readonly escape?: boolean;
  readonly return?: boolean;
  readonly backspace?: boolean;
  readonly delete?: boolean;
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
  readonly home?: boolean;
  readonly end?: boolean;
  readonly tab?: boolean;
}

/** The UI's own state: what the view shows of the session's state, and how. */
export interface UiState {
  readonly showHelp: boolean;
  /** The screen keeps the state it had when `f` was pressed; the session runs on. */
  readonly frozen: boolean;
  /** Process rows only (`t`). */
  readonly collapsed: boolean;
  readonly sort: ThreadSort;
  /** Applied name filter; '' for none. */
  readonly filter: string;
  /** The filter being typed after `/`; null when not typing. */
  readonly filterDraft: string | null;
  /** Highlighted row of the thread pane's list; null: no cursor, the pane fits its rows. */
  readonly cursor: number | null;
}

export const INITIAL_UI: UiState = {
  showHelp: false,
  frozen: false,
  collapsed: false,
  sort: 'tid',
  filter: '',
  filterDraft: null,
  cursor: null,
};

/**
 * The keys (all in the help overlay):
 *   q quit · Ctrl-C interrupt · space/p pause · ↑/↓ connections ± · ←/→ rate ± (open loop)
 *   f freeze · t threads/processes · s sort · / filter (Enter applies, Esc clears)
 *   j/k, PgDn/PgUp, Home/End cursor in the thread pane (Esc drops it) · h/? help.
 * While a filter is typed, every printable key is text; Enter, Esc and Backspace edit it.
 */
export function keyAction(input: string, key: KeyFlags, ui: Pick<UiState, 'showHelp' | 'filterDraft' | 'filter' | 'cursor'> | boolean): KeyAction | null {
  const state = typeof ui === 'boolean' ? { showHelp: ui, filterDraft: null, filter: '', cursor: null } : ui;
  if (key.ctrl && input === 'c') return { type: 'session/interrupt' };
  if (state.filterDraft !== null) {
    if (key.return) return { type: 'ui/filter-apply' };
    if (key.escape) return { type: 'ui/filter-clear' };
    if (key.backspace || key.delete) return { type: 'ui/filter-backspace' };
    if (key.ctrl || key.meta || key.tab || input === '') return null;
    // Arrows and the like arrive with input ''; anything printable is text.
    // eslint-disable-next-line no-control-regex
    const text = input.replace(/[\x00-\x1f\x7f]/g, '');
    return text === '' ? null : { type: 'ui/filter-type', text };
  }
  if (key.ctrl) return null;
  if (key.upArrow) return { type: 'load/adjust', knob: 'connections', direction: 1 };
  if (key.downArrow) return { type: 'load/adjust', knob: 'connections', direction: -1 };
  if (key.rightArrow) return { type: 'load/adjust', knob: 'rate', direction: 1 };
  if (key.leftArrow) return { type: 'load/adjust', knob: 'rate', direction: -1 };
  if (key.pageDown) return { type: 'ui/move', unit: 'page', direction: 1 };
  if (key.pageUp) return { type: 'ui/move', unit: 'page', direction: -1 };
  if (key.home) return { type: 'ui/move', unit: 'end', direction: -1 };
  if (key.end) return { type: 'ui/move', unit: 'end', direction: 1 };
  if (key.escape) {
    if (state.showHelp) return { type: 'ui/close-help' };
    if (state.filter !== '') return { type: 'ui/filter-clear' };
    if (state.cursor !== null) return { type: 'ui/cursor-off' };
    return null;
  }
  switch (input) {
    case 'q':
    case 'Q':
      return { type: 'session/quit' };
    case ' ':
    case 'p':
      return { type: 'load/toggle-pause' };
    case '?':
    case 'h':
      return { type: 'ui/toggle-help' };
    case 'f':
      return { type: 'ui/toggle-freeze' };
    case 't':
      return { type: 'ui/toggle-collapse' };
    case 's':
      return { type: 'ui/cycle-sort' };
    case '/':
      return { type: 'ui/filter-start' };
    case 'j':
      return { type: 'ui/move', unit: 'row', direction: 1 };
    case 'k':
      return { type: 'ui/move', unit: 'row', direction: -1 };
    default:
      return null;
  }
}

/** Each step of ↑/→ multiplies by this, each ↓/← divides: 4 steps ≈ ×2.4, the same on the way back. */
export const LOAD_STEP_FACTOR = 1.25;
/** The most a key may set: the command line's own limits (-c, --rate). */
export const LOAD_LIMITS: Readonly<Record<LoadKnob, number>> = { connections: 10_000, rate: 1_000_000 };

/**
 * The next setting from `current` one step up or down: ×/÷ 1.25 rounded to a whole number,
 * by at least 1, never below 1 nor above the knob's limit (80 → 100 → 125; 80 → 64 → 51; 1 → 2; 2 → 1).
 */
export function nextLoadSetting(current: number, direction: 1 | -1, limit = Number.POSITIVE_INFINITY): number {
  const from = Math.max(1, Math.round(current));
  const next = direction > 0 ? Math.max(from + 1, Math.round(from * LOAD_STEP_FACTOR)) : Math.min(from - 1, Math.round(from / LOAD_STEP_FACTOR));
  return Math.max(1, Math.min(limit, next));
}

/** What the pane's cursor moves over: how many rows its list has and how many show at once. */
export interface CursorExtent {
  readonly rowCount: number;
  readonly pageRows: number;
}

/** The cursor after a move, inside [0, rowCount − 1]; a first move puts it on the first row. */
export function moveCursor(cursor: number | null, unit: 'row' | 'page' | 'end', direction: 1 | -1, extent: CursorExtent): number | null {
  if (extent.rowCount <= 0) return null;
  const last = extent.rowCount - 1;
  if (cursor === null) return unit === 'end' && direction > 0 ? last : 0;
  const step = unit === 'row' ? 1 : unit === 'page' ? Math.max(1, extent.pageRows - 1) : extent.rowCount;
  return Math.max(0, Math.min(last, Math.min(cursor, last) + direction * step));
}

/** Folds a view action into the UI's state; session actions leave it as it is. */
export function uiReducer(state: UiState, action: KeyAction & Partial<CursorExtent>): UiState {
  switch (action.type) {
    case 'ui/toggle-help':
      return { ...state, showHelp: !state.showHelp };
    case 'ui/close-help':
      return { ...state, showHelp: false };
    case 'ui/toggle-freeze':
      return { ...state, frozen: !state.frozen };
    case 'ui/toggle-collapse':
      return { ...state, collapsed: !state.collapsed, cursor: state.cursor === null ? null : 0 };
    case 'ui/cycle-sort':
      return { ...state, sort: THREAD_SORTS[(THREAD_SORTS.indexOf(state.sort) + 1) % THREAD_SORTS.length] };
    case 'ui/filter-start':
      return { ...state, filterDraft: state.filter, showHelp: false };
    case 'ui/filter-type':
      return state.filterDraft === null ? state : { ...state, filterDraft: (state.filterDraft + action.text).slice(0, 64) };
    case 'ui/filter-backspace':
      return state.filterDraft === null ? state : { ...state, filterDraft: Array.from(state.filterDraft).slice(0, -1).join('') };
    case 'ui/filter-apply':
      return { ...state, filter: (state.filterDraft ?? state.filter).trim(), filterDraft: null, cursor: state.cursor === null ? null : 0 };
    case 'ui/filter-clear':
      return { ...state, filter: '', filterDraft: null, cursor: state.cursor === null ? null : 0 };
    case 'ui/move':
      return { ...state, cursor: moveCursor(state.cursor, action.unit, action.direction, { rowCount: action.rowCount ?? 0, pageRows: action.pageRows ?? 1 }) };
    case 'ui/cursor-off':
      return { ...state, cursor: null };
    default:
      return state;
  }
}
