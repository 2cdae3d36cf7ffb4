/**
 * watchload's Ink components and their view math. Components only render plain props; the
 * pure functions next to them are what tests and the headless printer use.
 */
export { Dashboard, calculateLayout, tooSmallLines, noticeLine, windowHistogram, targetSeries, adjustmentSeconds, threadPaneBox, threadPaneExtent, MIN_COLUMNS, MIN_ROWS, SIDE_BY_SIDE_COLUMNS } from './Dashboard.js';
export type { DashboardProps, DashboardLayout, PaneBox } from './Dashboard.js';
export { Header, headerInfo, headerLines, wholeSecondsRps, requestsDone, progressFraction, progressBar, formatCommand, currentLoadSetting, lastAdjustment } from './Header.js';
export type { HeaderProps, HeaderInfo, AdjustedSetting } from './Header.js';
export { ThreadPane } from './ThreadPane.js';
export type { ThreadPaneProps } from './ThreadPane.js';
export {
  planThreadPane,
  threadPaneLines,
  groupThreads,
  threadLabel,
  stateSummary,
  stateCounts,
  orderProcesses,
  threadColumns,
  DETAIL_LEVELS,
  DEFAULT_VIEW,
  SORT_LABELS,
  filterProcesses,
  sortEntries,
  threadsPerSecond,
  listLength,
  scrollOffset,
  BORN_HIGHLIGHT_MS,
  DIED_SHOW_MS,
} from './thread-rows.js';
export type { Detail, ThreadEntry, ThreadPlan, ProcessView, ThreadTotals, ThreadView } from './thread-rows.js';
export { LatencyPane } from './LatencyPane.js';
export type { LatencyPaneProps } from './LatencyPane.js';
export { latencyPaneLines, markedSparkline, latencyLayout, chooseEdgesUs, binCounts, toBars, histogramLines, DECADE_SPLITS } from './latency-rows.js';
export type { LatencyBin, LatencyLayout } from './latency-rows.js';
export { Sparkline, toSparkline } from './Sparkline.js';
export type { SparklineProps } from './Sparkline.js';
export { HelpOverlay, helpLines } from './HelpOverlay.js';
export type { HelpOverlayProps } from './HelpOverlay.js';
export { Footer, footerLine } from './Footer.js';
export type { FooterProps } from './Footer.js';
export { Summary } from './Summary.js';
export type { SummaryProps } from './Summary.js';
export { summaryLines, renderSummaryText } from './summary-text.js';
export { TextLine } from './TextLine.js';
export type { TextLineProps } from './TextLine.js';
export { lineText } from './line.js';
export type { Line, Segment } from './line.js';
export { LiveApp, loadStep, splitChunk } from './LiveApp.js';
export type { LiveAppProps, LiveControls, LoadAdjustmentRequest } from './LiveApp.js';
export { keyAction, uiReducer, nextLoadSetting, moveCursor, INITIAL_UI, THREAD_SORTS, LOAD_STEP_FACTOR } from './keys.js';
export type { KeyAction, UiState, ThreadSort, LoadKnob, CursorExtent } from './keys.js';
export { ColorContext, colorEnabled } from './color.js';
export { useSessionState } from './use-session-state.js';
export type { StateSource } from './use-session-state.js';
export { useTerminalSize } from './use-terminal-size.js';
export type { TerminalSize } from './use-terminal-size.js';
