import { describe, expect, it } from 'vitest';
import { statusLine } from '../../src/report/status-line.js';
import type { SessionState } from '../../src/session/state.js';
import { BASE_STATE } from '../components/fixtures.js';

describe('statusLine: the sampler\u2019s back-off (issue 8)', () => {
  it('says the interval it samples at, beside the tree, once it backed off', () => {
    const backedOff: SessionState = { ...BASE_STATE, snapshot: { ...BASE_STATE.snapshot!, targetIntervalMs: 2_000 } };
    const line = statusLine(backedOff);
    expect(line).toMatch(/ \d+ proc \d+ thr  sampling 2\.0 s \(backed off from 250 ms\)  /);
  });

  it('says nothing of it while it samples as asked, or before any snapshot says', () => {
    const asAsked: SessionState = { ...BASE_STATE, snapshot: { ...BASE_STATE.snapshot!, targetIntervalMs: 250 } };
    expect(statusLine(asAsked)).not.toContain('sampling');
    expect(statusLine(BASE_STATE)).not.toContain('sampling');
  });
});
