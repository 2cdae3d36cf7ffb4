import type { SessionState } from '../session/state.js';
import { buildJsonReport, type RunFacts } from './json.js';
import { renderSummaryText } from '../../components/summary-text.js';

export type ReportFormat = 'json' | 'text';

/** The one end of every mode: the TUI, headless lines and --json all print this. */
export function renderReport(state: SessionState, facts: RunFacts, format: ReportFormat): string {
  if (format === 'json') return JSON.stringify(buildJsonReport(state, facts), null, 2) + '\n';
  return renderSummaryText(state) + '\n';
}
