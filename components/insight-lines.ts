import type { GuardResult, Insight } from '../src/insights/types.js';
import { sanitizeForTerminal } from '../src/util/sanitize.js';
import { fitLine, type Line } from './line.js';

/**
 * The insights strip: broken guards first (what fails CI), then the newest insights, one a
 * line; when more exist than fit, the first line says how many are left out.
 */
export function insightLines(insights: readonly Insight[], guards: readonly GuardResult[], rows: number, width: number, loadStarted: boolean): Line[] {
  if (rows <= 0) return [];
  const broken: Line[] = guards.filter((g) => g.breached).map((g) => [
    { text: '✗ guard ', color: 'red', bold: true },
    { text: sanitizeForTerminal(g.text), color: 'red' },
  ]);
  // Short of room, Little's law goes first: a consistency check, not a shape of the server.
  const shown = broken.length + insights.length > rows ? insights.filter((i) => i.kind !== 'littles-law') : insights;
  const said: Line[] = shown.map((i) => [
    { text: '▸ ', color: 'cyan' },
    { text: `${(i.tMs / 1000).toFixed(1)}s `, dim: true },
    // Every text ends by naming its kind ("…: prefork", "saturated: …"): the kind is not repeated.
    { text: sanitizeForTerminal(i.text) },
  ]);
  if (broken.length === 0 && said.length === 0) {
    const waiting = loadStarted ? 'insights: nothing to name yet' : 'insights appear once the load starts';
    return [fitLine([{ text: waiting, dim: true }], width)];
  }
  const all = [...broken, ...said];
  const hidden = broken.length + insights.length - Math.min(rows, all.length);
  if (hidden === 0) return all.map((l) => fitLine(l, width));
  // Keep the guards and the newest insights; say what was left out.
  const room = Math.max(0, rows - broken.length);
  const kept = [...broken.slice(0, rows), ...said.slice(said.length - room)].slice(0, rows);
  const [first, ...rest] = kept;
  return [fitLine([{ text: `+${hidden} `, dim: true }, ...first], width), ...rest.map((l) => fitLine(l, width))];
}
