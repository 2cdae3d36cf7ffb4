import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';

// The HTML report of a real run, opened in a real browser: Debian's chromium (installed by
// scripts/install-servers.sh) driven by playwright-core. Outside CI a machine without it skips
// with a warning; in CI (CI set) a missing browser fails here, loudly.

const CHROMIUM = process.env.WATCHLOAD_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !process.env.CI) console.warn(`html-report: ${CHROMIUM} not found: skipped (bash scripts/install-servers.sh installs it)`);

/** Where the screenshot goes for a person to open (git-ignored: out/). */
const SCREENSHOTS = join(ROOT, 'out', 'screenshots');

const CHARTS = ['chart-threads-per-process', 'chart-thread-states', 'chart-processes', 'chart-rps', 'chart-latency', 'chart-histogram'];

describe.skipIf(!haveChromium && !process.env.CI)('HTML report in a browser', () => {
  let dir = '';
  let browser: Browser | null = null;
  let reportPath = '';
  let recordingPath = '';

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`chromium not found at ${CHROMIUM}: run bash scripts/install-servers.sh (the HTML report's browser test needs it)`);
    dir = mkdtempSync(join(tmpdir(), 'watchload-html-'));
    reportPath = join(dir, 'report.html');
    recordingPath = join(dir, 'run.ndjson');
    const run = await runCli(['--model', 'cluster', '-n', '400', '-c', '10', '--delay', '0.02', '--record', recordingPath, '--report', reportPath, '--json'], { timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).load.ok).toBe(400);
    expect(run.stderr).toContain(`report written to ${reportPath}`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('draws every chart from the file alone: no network, no errors; saves a screenshot', async () => {
    const html = readFileSync(reportPath, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/[^"'\s]*\.(js|css)\b/);

    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    const url = pathToFileURL(reportPath).href;
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });

    const started = performance.now();
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
    const renderMs = performance.now() - started;

    // Each chart: one uPlot, and its canvas holds coloured pixels inside the plot: series, not only
    // grey axes and grid, nor the faint load band or the marker lines.
    const charts = await page.evaluate((ids) => {
      const all = (window as unknown as { watchloadCharts: { id: string; u: { ctx: CanvasRenderingContext2D; bbox: { left: number; top: number; width: number; height: number }; series: { label?: string }[] } }[] }).watchloadCharts;
      return ids.map((id) => {
        const chart = all.find((c) => c.id === id);
        const el = document.getElementById(id)!;
        if (!chart) return { id, canvases: el.querySelectorAll('canvas').length, legend: 0, coloured: 0, series: [] as string[] };
        const { left, top, width, height } = chart.u.bbox;
        const pixels = chart.u.ctx.getImageData(left, top, width, height).data;
        let coloured = 0;
        for (let k = 0; k < pixels.length; k += 4) {
          const [r, g, b, a] = [pixels[k], pixels[k + 1], pixels[k + 2], pixels[k + 3]];
          // The insights' marker lines (#c2410c) are drawn on every time chart: they do not count as data.
          const marker = Math.abs(r - 0xc2) + Math.abs(g - 0x41) + Math.abs(b - 0x0c) < 60;
          if (a > 100 && !marker && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
        }
        return { id, canvases: el.querySelectorAll('canvas').length, legend: el.querySelectorAll('.u-legend .u-series').length, coloured, series: chart.u.series.slice(1).map((s) => s.label ?? '') };
      });
    }, CHARTS);

    mkdirSync(SCREENSHOTS, { recursive: true });
    const shot = join(SCREENSHOTS, 'html-report-cluster.png');
    await page.screenshot({ path: shot, fullPage: true });
    await page.close();

    for (const chart of charts) {
      expect(chart.canvases, chart.id).toBe(1);
      expect(chart.legend, chart.id).toBeGreaterThan(1);
      expect(chart.coloured, `${chart.id}: nothing drawn`).toBeGreaterThan(500);
    }
    // cluster --workers default: the master and its workers, one series each.
    expect(charts[0].series.length).toBeGreaterThanOrEqual(2);
    expect(charts[4].series).toEqual(['p50', 'p90', 'p99']);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    // The recording, reported afterwards, draws the very same charts.
    const replayPath = join(dir, 'replay.html');
    const replay = await runCli(['report', recordingPath, '-o', replayPath]);
    expect(replay.code, replay.stderr).toBe(0);
    const data = (text: string) => /<script type="application\/json" id="watchload-data">([\s\S]*?)<\/script>/.exec(text)?.[1];
    expect(data(readFileSync(replayPath, 'utf8'))).toBe(data(html));

    console.log(`html-report: coloured pixels ${charts.map((c) => `${c.id.replace('chart-', '')} ${c.coloured}`).join(', ')}`);
    console.log(`html-report: ${(html.length / 1024).toFixed(0)} KB, drawn in ${Math.round(renderMs)} ms, screenshot ${shot}`);
  });
});
