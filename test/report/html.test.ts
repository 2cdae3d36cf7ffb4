import { describe, expect, it } from 'vitest';
import { htmlReportData, jsonForScript, renderHtmlReport, MAX_PROCESS_SERIES } from '../../src/report/html.js';
import { escapeHtml } from '../../src/report/environment.js';
import { deriveInsights } from '../../src/insights/index.js';
import { SessionBuilder } from '../insights/build.js';
import { EVIL, FACTS, reportState } from './fixture.js';

/** The JSON the page draws from, as the browser reads it. */
function embedded(html: string): ReturnType<typeof htmlReportData> {
  const match = /<script type="application\/json" id="watchload-data">([\s\S]*?)<\/script>/.exec(html);
  if (!match) throw new Error('no embedded data');
  return JSON.parse(match[1]);
}

describe('escapeHtml / jsonForScript', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('keeps </script> and <!-- out of a script element, and parses back to the same value', () => {
    const value = { name: '</script><script>alert(1)</script>', c: '<!-- & \u2028 \u2029 >' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(text).toContain('\\u003c/script\\u003e');
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('renderHtmlReport', () => {
  const state = reportState();
  const html = renderHtmlReport(state, FACTS);

  it('never contains a process-chosen string unescaped', () => {
    // EVIL is a process name, in the command line and in the URL.
    expect(html).not.toContain(EVIL);
    expect(html).not.toContain('alert(1)</script>');
    expect(html).toContain(escapeHtml(EVIL));
    // The only script elements are the data, uPlot and the page's own.
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
  });

  it('is one self-contained document: uPlot inlined, nothing fetched', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('https://github.com/leeoniya/uPlot'); // uPlot's banner comment, inlined
    expect(html).toContain('.uplot');
    expect(html).not.toMatch(/<script[^>]+\bsrc=|<link\b|<img\b|@import|url\(http/);
  });

  it('has every section: header, environment, summary, the six charts, insights, guards, adjustments', () => {
    for (const text of [
      'watchload · cluster · 2 workers',
      'host-1 · 2 cores · Linux 6.1.0',
      'v20.19.0',
      '2025-01-02T03:04:05.000Z',
      'live run',
      'closed loop, 20 connections · 6 s',
      'Threads per process',
      'Thread states',
      'Processes',
      'Throughput',
      'Latency percentiles over time',
      'Latency histogram',
      '<h2>Insights</h2>',
      '<h2>Guards</h2>',
      '<h2>Load adjustments</h2>',
      '4.0 s: 40 connections',
    ]) {
      expect(html, text).toContain(text);
    }
    for (const id of ['chart-threads-per-process', 'chart-thread-states', 'chart-processes', 'chart-rps', 'chart-latency', 'chart-histogram']) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html).toContain('<span class="kind">on-demand</span>');
  });

  it('embeds the data the charts draw: the timeline, per-pid step series, histogram and marks', () => {
    const data = embedded(html);
    expect(data).toEqual(htmlReportData(state));
    expect(data.t).toEqual(state.timeline.map((p) => p.tMs / 1000));
    expect(data.perProcess.map((p) => p.pid)).toEqual([100, 101, 102]);
    expect(data.perProcess[1].label).toBe(`101 ${EVIL}`);
    // pid 101 grows 7 → 15 from 1.5 s, a step at each sample.
    const at = (tS: number) => data.perProcess[1].threads[data.t.indexOf(tS)];
    expect([at(0.25), at(1.5), at(3), at(5), at(7)]).toEqual([7, 8, 11, 15, 15]);
    expect(data.running.map((r, k) => r + data.sleeping[k] + data.other[k])).toEqual(data.threads);
    expect(data.histogram.counts.reduce((a, b) => a + b, 0)).toBe(state.load.counts.completed);
    expect(data.histogram.labels[0]).toMatch(/ms$/);
    const insights = deriveInsights(state);
    expect(insights.length).toBeGreaterThanOrEqual(2);
    expect(data.markers.filter((m) => m.kind === 'insight')).toEqual(insights.map((i, k) => ({ kind: 'insight', tS: i.tMs / 1000, label: String(k + 1), text: i.text })));
    expect(data.markers.find((m) => m.kind === 'adjustment')).toMatchObject({ tS: 4, label: '→ 40 conns' });
    expect(data.load).toEqual({ startS: 1, endS: 7.1 });
  });

  it('draws the processes with most threads when there are more than it has colours for', () => {
    const b = new SessionBuilder();
    const tree = Array.from({ length: MAX_PROCESS_SERIES + 3 }, (_, k) => ({ pid: 200 + k, threads: k + 1 }));
    const data = htmlReportData(b.sample(250, tree).sample(500, tree).state());
    expect(data.perProcess).toHaveLength(MAX_PROCESS_SERIES);
    expect(data.perProcessHidden).toBe(3);
    expect(data.perProcess[0].pid).toBe(203);
    expect(renderHtmlReport(b.state(), FACTS)).toContain('The 3 processes with the fewest threads are left out.');
  });

  it('says so instead of drawing when a session has no responses', () => {
    const data = htmlReportData(new SessionBuilder().sample(250, [{ pid: 100, threads: 1 }]).state());
    expect(data.histogram.counts).toEqual([]);
    expect(data.p50Ms).toEqual([null]);
    expect(data.load).toEqual({ startS: null, endS: null });
  });
});
