import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDelaySeconds, UPSTREAM_BODY } from '../../src/upstream/slow-api.js';
import { startUpstream, type Upstream } from '../../src/upstream/upstream.js';

describe('parseDelaySeconds', () => {
  it.each([
    ['/', 0],
    ['/?delay=', 0],
    ['/?delay=1', 1],
    ['/?delay=0.25', 0.25],
    ['/?delay=-1', null],
    ['/?delay=abc', null],
    ['/?delay=601', null],
    ['/?x=1&delay=2', 2],
  ])('%s → %s', (url, expected) => {
    expect(parseDelaySeconds(url)).toBe(expected);
  });
});

describe('the slow API, in its worker thread', () => {
  let upstream: Upstream;
  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterAll(async () => {
    await upstream?.stop();
  });

  it('answers after the delay it was asked for', async () => {
    const started = performance.now();
    const response = await fetch(`${upstream.url}?delay=0.15`);
    const elapsedMs = performance.now() - started;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(UPSTREAM_BODY);
    expect(elapsedMs).toBeGreaterThanOrEqual(145);
  });

  it('refuses a delay it cannot honour', async () => {
    const response = await fetch(`${upstream.url}?delay=forever`);
    expect(response.status).toBe(400);
  });

  it('frees its port when stopped', async () => {
    const other = await startUpstream();
    await other.stop();
    await expect(fetch(other.url)).rejects.toThrow();
  });
});
