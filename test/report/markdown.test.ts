import { describe, expect, it } from 'vitest';
import { markdownText, renderMarkdownReport } from '../../src/report/markdown.js';
import { EVIL, FACTS, reportState } from './fixture.js';

describe('markdownText', () => {
  it('makes HTML and table syntax inert', () => {
    expect(markdownText('a|b <i>x</i> & `c` *d*')).toBe('a\\|b &lt;i&gt;x&lt;/i&gt; &amp; \\`c\\` \\*d\\*');
    expect(markdownText('a\x1b[2Jb\nc')).toBe('ab c');
  });
});

describe('renderMarkdownReport', () => {
  const md = renderMarkdownReport(reportState(), FACTS);

  it('has the config, summary, shape, insights and guards sections', () => {
    for (const heading of ['# watchload · cluster · 2 workers', '## Summary', '## Shape', '## Insights', '## Guards', '## Load adjustments']) {
      expect(md).toContain(`\n${heading}\n`.replace(/^\n# /, '# '));
    }
    expect(md).toContain('| responses | ok | failed | req/s | load s | p50 | p90 | p99 | p99.9 | max |');
    expect(md).toMatch(/\| 576 \| 576 \| 0 \| /);
    expect(md).toContain('| peak | 3 / 33 |');
    expect(md).toMatch(/\| 2 \| 1\.5 s \| on-demand \| 101 \| threads grew/);
    expect(md).toContain('None given.');
    expect(md).toContain('| 4.0 s | 40 connections |');
    expect(md).toContain('host-1 · 2 cores · Linux 6.1.0 · node v20.19.0 · watchload 0.1.0');
  });

  it('never carries a process name as raw HTML: escaped in text, literal only inside code spans', () => {
    expect(md).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const outsideCode = md.replace(/`[^`\n]*`/g, '');
    expect(outsideCode).not.toContain('<');
    expect(md).toContain('| command | `node /srv/app.js --title=<script>alert(1)</script>` |');
  });

  it('escapes | inside code spans, which GitHub tables would otherwise split on', () => {
    const piped = renderMarkdownReport(reportState(), { ...FACTS, command: ['sh', '-c', 'a | b'] });
    expect(piped).toContain("| command | `sh -c 'a \\| b'` |");
  });

  it('keeps every table row on one line with the same number of cells as its header', () => {
    const tables = md.split('\n\n').filter((block) => block.startsWith('|'));
    expect(tables.length).toBeGreaterThanOrEqual(5);
    for (const block of tables) {
      const cells = block.split('\n').filter((line) => line !== '').map((line) => line.replace(/\\\|/g, '').split('|').length);
      expect(new Set(cells).size, block).toBe(1);
    }
  });
});
