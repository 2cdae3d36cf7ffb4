import { describe, expect, it } from 'vitest';
import { renderMarkdownReport } from '../../src/report/markdown.js';
import { renderHtmlReport } from '../../src/report/html.js';
import type { SessionState } from '../../src/session/state.js';
import { FACTS, reportState } from './fixture.js';

// Issue 8: the faults of a run (a worker that died and its respawn, the upstream failing) in
// the Markdown and HTML reports; a clean run's reports have no such section.

const faulty: SessionState = {
  ...reportState(),
  processEvents: {
    recent: [
      { tMs: 3_200, pid: 201, ppid: 100, name: 'node<b>', kind: 'exited' },
      { tMs: 3_450, pid: 250, ppid: 100, name: 'node', kind: 'started' },
    ],
    exited: 1,
    started: 1,
  },
  upstreamFailure: { tMs: 4_000, message: 'its thread threw: <boom>' },
};

describe('faults in the reports', () => {
  it('Markdown: a Faults section with each exit and its respawn, and the upstream, made inert', () => {
    const md = renderMarkdownReport(faulty, FACTS);
    expect(md).toContain('\n## Faults\n\nProcesses of the server: 1 exited, 1 started while the load ran.\n');
    expect(md).toContain('| 3.2 s | pid 201 (node&lt;b&gt;) exited · respawned as pid 250 at 3.5s |');
    expect(md).toContain('The upstream failed at 4.0 s: its thread threw: &lt;boom&gt;');
    expect(renderMarkdownReport(reportState(), FACTS)).not.toContain('## Faults');
  });

  it('HTML: a Faults list, escaped; none on a clean run', () => {
    const html = renderHtmlReport(faulty, FACTS);
    expect(html).toContain('<h2>Faults</h2><ul class="adjustments"><li>3.2 s: pid 201 (node&lt;b&gt;) exited · respawned as pid 250 at 3.5s</li><li class="bad">4.0 s: the upstream failed: its thread threw: &lt;boom&gt;</li></ul>');
    expect(renderHtmlReport(reportState(), FACTS)).not.toContain('<h2>Faults</h2>');
  });
});
