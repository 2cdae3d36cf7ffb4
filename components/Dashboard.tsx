import { exitText } from './format.js';
import React from 'react';
import { Box } from 'ink';
import { EMPTY_HISTOGRAM, mergeAll } from '../src/load/histogram.js';
import { loadTargetAt } from '../src/session/store.js';
import { isOpenLoop } from '../src/load/plan.js';
import type { SparseHistogram } from '../src/load/types.js';
import type { SessionState } from '../src/session/state.js';
import { sanitizeForTerminal } from '../src/util/sanitize.js';
import { Footer } from './Footer.js';
import { InsightsStrip } from './InsightsStrip.js';
import { deriveInsights } from '../src/insights/index.js';
import { evaluateGuards } from '../src/insights/guards.js';
import { Header, headerInfo, wholeSecondsRps } from './Header.js';
import { HelpOverlay } from './HelpOverlay.js';
import { LatencyPane } from './LatencyPane.js';
import { fitLine, type Line } from './line.js';
import { TextLine } from './TextLine.js';
import { ThreadPane } from './ThreadPane.js';
import { DEFAULT_VIEW, listLength, planThreadPane, type ThreadPlan, type ThreadView } from './thread-rows.js';
import type { CursorExtent } from './keys.js';

/** Below this the dashboard only says it needs more room. */
export const MIN_COLUMNS = 60;
export const MIN_ROWS = 15;
/** From this width the thread pane and the latency pane sit side by side. */
export const SIDE_BY_SIDE_COLUMNS = 100;

export interface PaneBox {
  readonly widthColumns: number;
  readonly rows: number;
}

export interface DashboardLayout {
  /** The terminal is below MIN_COLUMNS × MIN_ROWS. */
  readonly tooSmall: boolean;
  /**
   * Lines the frame uses: one less than the terminal. Ink clears the whole screen on every
   * frame once a frame is as tall as the terminal (ink 6.8 build/ink.js, `lastOutputHeight >=
   * stdout.rows`; ../shared/FACTS.md), so the frame always stays one row short.
   */
  readonly frameRows: number;
  readonly headerLines: number;
  /** 'row': thread pane left, latency pane right; 'column': thread pane above latency pane. */
  readonly direction: 'row' | 'column';
  readonly thread: PaneBox;
  readonly latency: PaneBox;
  /** Blank columns between the panes side by side. */
  readonly gapColumns: number;
  readonly footerLines: number;
  /** The insights strip between the panes and the footer. */
  readonly insightLines: number;
}

/**
 * Where everything goes on a `columns` × `rows` terminal. Header, panes and footer add up to
 * exactly `frameRows`, so the frame keeps one height (no jumping) and never reaches `rows`.
 */
export function calculateLayout(columns: number, rows: number, options: { readonly openLoop?: boolean } = {}): DashboardLayout {
  const frameRows = Math.max(0, rows - 1);
  const none: PaneBox = { widthColumns: 0, rows: 0 };
  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    return { tooSmall: true, frameRows, headerLines: 0, direction: 'column', thread: none, latency: none, gapColumns: 0, footerLines: 0, insightLines: 0 };
  }
  const headerLines = frameRows >= 22 ? 4 : frameRows >= 17 ? 3 : 2;
  const footerLines = 1;
  const insightLines = frameRows >= 30 ? 3 : frameRows >= 20 ? 2 : frameRows >= 17 ? 1 : 0;
  const body = frameRows - headerLines - footerLines - insightLines;
  if (columns >= SIDE_BY_SIDE_COLUMNS) {
    // The latency pane needs 48 columns for its five percentile columns; the thread pane gets
    // the larger share since its names and wait labels are the longer texts.
    const gapColumns = 2;
    const latencyWidth = Math.max(48, Math.min(90, Math.floor(columns * 0.45)));
    return {
      tooSmall: false,
      frameRows,
      headerLines,
      direction: 'row',
      thread: { widthColumns: columns - latencyWidth - gapColumns, rows: body },
      latency: { widthColumns: latencyWidth, rows: body },
      gapColumns,
      footerLines,
      insightLines,
    };
  }
  // Stacked: the latency pane needs 7 rows for its table, sparkline and 3 bars (9 in open
  // loop: two more table rows, from the actual send); the thread pane keeps at least 5
  // (title, header, 3 rows).
  const extra = options.openLoop ? 2 : 0;
  const latencyRows = Math.max(0, Math.min(body - 5, Math.max(7, Math.min(14, Math.round(body * 0.4))) + extra));
  return {
    tooSmall: false,
    frameRows,
    headerLines,
    direction: 'column',
    thread: { widthColumns: columns, rows: body - latencyRows },
    latency: { widthColumns: columns, rows: latencyRows },
    gapColumns: 0,
    footerLines,
    insightLines,
  };
}

/** The lines shown instead of the dashboard on a terminal that is too small. */
export function tooSmallLines(columns: number, rows: number): Line[] {
  const long = `watchload needs at least ${MIN_COLUMNS}×${MIN_ROWS}; this terminal is ${columns}×${rows}.`;
  const short = `needs ${MIN_COLUMNS}×${MIN_ROWS}, has ${columns}×${rows}`;
  const lines: Line[] = [
    [{ text: long.length <= columns ? long : short, color: 'yellow' }],
    [{ text: 'Enlarge it, or run with --no-tui.' }],
  ];
  return lines.slice(0, Math.max(0, rows - 1)).map((l) => fitLine(l, columns));
}

/**
 * A red line when the server died on its own, with its last stderr line; a yellow one when
 * the upstream failed (the run goes on, its requests fail and are counted); null otherwise.
 */
export function noticeLine(state: SessionState, width: number): Line | null {
  const exited = state.server?.exited;
  if (!exited || exited.expected) {
    const failure = state.upstreamFailure;
    if (failure === null) return null;
    const text = `upstream failed at ${(failure.tMs / 1000).toFixed(1)} s: ${sanitizeForTerminal(failure.message)} · requests that call it now fail`;
    return fitLine([{ text, color: 'yellow', bold: true }], width);
  }
  const how = exitText(exited);
  const last = exited.stderrTail.length > 0 ? `: ${sanitizeForTerminal(exited.stderrTail[exited.stderrTail.length - 1])}` : '';
  return fitLine([{ text: `server exited (${how})${last}`, color: 'red', bold: true }], width);
}

/**
 * The latencies of the last `windowMs`. The store drops old slices when batches arrive; once
 * the load has ended none arrive, so the slices are also aged here against the session's now.
 */
export function windowHistogram(state: SessionState, windowMs: number, which: 'histogram' | 'uncorrected' = 'histogram'): SparseHistogram {
  return mergeAll(state.load.window.filter((s) => state.nowMs - s.tMs <= windowMs).map((s) => s[which] ?? EMPTY_HISTOGRAM));
}

/** Open loop: the latencies from the actual send, beside the corrected ones; null in closed loop. */
export function uncorrectedLatency(state: SessionState, windowMs: number): { window: SparseHistogram; cumulative: SparseHistogram } | null {
  if (state.load.uncorrected === null) return null;
  return { window: windowHistogram(state, windowMs, 'uncorrected'), cumulative: state.load.uncorrected };
}

/** The second of load (an index into rpsPerSecond) each change made with the keys fell in. */
export function adjustmentSeconds(state: SessionState): number[] {
  const start = state.load.startedAtMs;
  if (start === null) return [];
  return state.load.adjustments.map((a) => Math.max(0, Math.floor((a.tMs - start) / 1000)));
}

/**
 * What the load was set to in each whole second of load so far (the time axis of a ramp or a
 * rate, and of the changes made with the keys); null for a constant closed loop never changed.
 */
export function targetSeries(state: SessionState): { perSecond: number[]; unit: 'req/s' | 'conns' } | null {
  const config = state.config;
  if (config === null) return null;
  const openLoop = isOpenLoop(config);
  const start = state.load.startedAtMs ?? 0;
  // The changes of what this line shows: the rate in open loop, the connections in closed loop.
  const changes = state.load.adjustments
    .map((a) => [Math.max(0, Math.floor((a.tMs - start) / 1000)), openLoop ? a.rate : a.connections] as const)
    .filter((c): c is readonly [number, number] => c[1] !== null);
  if (config.ramp === null && config.rate === null && changes.length === 0) return null;
  const seconds = wholeSecondsRps(state.load, state.nowMs).length;
  const perSecond = Array.from({ length: seconds }, (_, s) => {
    let value = loadTargetAt(config, s * 1000) ?? config.connections;
    for (const [second, v] of changes) if (second <= s) value = v;
    return value;
  });
  return { perSecond, unit: openLoop ? 'req/s' : 'conns' };
}

/**
 * The thread pane's size on this terminal, as the Dashboard lays it out (a notice line of a
 * dead server takes one of its rows).
 */
export function threadPaneBox(state: SessionState, columns: number, rows: number): PaneBox {
  const layout = calculateLayout(columns, rows, { openLoop: state.config !== null && isOpenLoop(state.config) });
  if (layout.tooSmall) return { widthColumns: 0, rows: 0 };
  return { widthColumns: layout.thread.widthColumns, rows: Math.max(0, layout.thread.rows - (noticeLine(state, columns) ? 1 : 0)) };
}

/** What the thread pane shows of the state: its plan (see planThreadPane). */
export function threadPlanOf(state: SessionState, view: ThreadView, paneRows: number): ThreadPlan {
  return planThreadPane(
    { snapshot: state.snapshot, births: state.births, deaths: state.deaths, nowMs: state.nowMs, view, tracks: state.processes, processEvents: state.processEvents },
    paneRows,
  );
}

/**
 * What the cursor moves over on this terminal: the rows of the thread pane's whole list (with
 * a cursor every thread has a row) and how many of them show at once.
 */
export function threadPaneExtent(state: SessionState, columns: number, rows: number, view: ThreadView): CursorExtent {
  const box = threadPaneBox(state, columns, rows);
  const plan = threadPlanOf(state, { ...view, cursor: view.cursor ?? 0 }, box.rows);
  return { rowCount: listLength(plan), pageRows: Math.max(1, box.rows - 1 - (plan.showHeader ? 1 : 0)) };
}

export interface DashboardProps {
  /** The session as the store published it. */
  readonly state: SessionState;
  /** Terminal width. */
  readonly columns: number;
  /** Terminal height; the frame uses at most rows − 1 lines. */
  readonly rows: number;
  /** Show the keys instead of the panes. */
  readonly showHelp: boolean;
  /** Length of the store's sliding latency window, for its label; default 5000 ms. */
  readonly windowMs?: number;
  /** How the thread pane shows the threads (sort, filter, collapsed, cursor); the fitted overview by default. */
  readonly view?: ThreadView;
  /** The view is frozen: the header says FROZEN. */
  readonly frozen?: boolean;
  /** The filter being typed after `/`, shown in the footer; null when not typing. */
  readonly filterDraft?: string | null;
  /** A line of its own instead of the live keys (a replay's time cursor and keys); one row. */
  readonly footer?: React.ReactNode;
}

/** The whole screen: header, thread pane and latency pane (or the help), footer. */
export function Dashboard({ state, columns, rows, showHelp, windowMs = 5000, view = DEFAULT_VIEW, frozen = false, filterDraft = null, footer }: DashboardProps): React.JSX.Element | null {
  const layout = calculateLayout(columns, rows, { openLoop: state.config !== null && isOpenLoop(state.config) });
  if (layout.tooSmall) {
    if (layout.frameRows === 0) return null;
    return (
      <Box flexDirection="column" width={columns}>
        {tooSmallLines(columns, rows).map((line, k) => (
          <TextLine key={k} line={line} />
        ))}
      </Box>
    );
  }
  const notice = noticeLine(state, columns);
  // The notice takes a row from the thread pane (from both panes when they sit side by side).
  const threadRows = layout.thread.rows - (notice ? 1 : 0);
  const latencyRows = layout.latency.rows - (notice && layout.direction === 'row' ? 1 : 0);
  const bodyRows = layout.frameRows - layout.headerLines - layout.footerLines - layout.insightLines;
  return (
    <Box flexDirection="column" width={columns}>
      <Header info={headerInfo(state, { frozen })} widthColumns={columns} lines={layout.headerLines} />
      {showHelp ? (
        <HelpOverlay widthColumns={columns} rows={bodyRows} openLoop={state.config !== null && isOpenLoop(state.config)} />
      ) : (
        <Box flexDirection="column" width={columns} height={bodyRows}>
          {notice ? <TextLine line={notice} /> : null}
          <Box flexDirection={layout.direction} columnGap={layout.gapColumns}>
            <ThreadPane
              snapshot={state.snapshot}
              births={state.births}
              deaths={state.deaths}
              nowMs={state.nowMs}
              view={view}
              tracks={state.processes}
              processEvents={state.processEvents}
              widthColumns={layout.thread.widthColumns}
              rows={threadRows}
            />
            <LatencyPane
              windowHistogram={windowHistogram(state, windowMs)}
              cumulativeHistogram={state.load.cumulative}
              windowLabel={`${windowMs / 1000} s`}
              rpsPerSecond={wholeSecondsRps(state.load, state.nowMs)}
              p99MsPerSample={state.timeline.map((p) => p.p99Ms)}
              uncorrected={uncorrectedLatency(state, windowMs)}
              target={targetSeries(state)}
              marks={adjustmentSeconds(state)}
              widthColumns={layout.latency.widthColumns}
              rows={latencyRows}
            />
          </Box>
        </Box>
      )}
      <InsightsStrip
        insights={deriveInsights(state)}
        guards={evaluateGuards(state)}
        rows={layout.insightLines}
        widthColumns={columns}
        loadStarted={state.load.startedAtMs !== null}
      />
      {footer ?? <Footer phase={state.phase} showHelp={showHelp} widthColumns={columns} filterDraft={filterDraft} openLoop={state.config !== null && isOpenLoop(state.config)} frozen={frozen} />}
    </Box>
  );
}
