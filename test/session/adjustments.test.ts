import { describe, expect, it } from 'vitest';
import { currentLoadSetting, targetRate } from '../../src/session/store.js';
import { SessionBuilder } from '../insights/build.js';

describe('load adjustments in the state', () => {
  it('a closed loop: the current connections, and the timeline target from the first change on', () => {
    const b = new SessionBuilder({ connections: 10 }).sample(250, [{ pid: 100, threads: 7 }]).startLoad(500);
    b.sample(750, [{ pid: 100, threads: 7 }]);
    expect(currentLoadSetting(b.state())).toEqual({ connections: 10 });
    const state = b.adjust(1_000, { connections: 40 }).sample(1_250, [{ pid: 100, threads: 7 }]).state();
    expect(currentLoadSetting(state)).toEqual({ connections: 40 });
    expect(state.load.adjustments).toEqual([{ tMs: 1_000, connections: 40, rate: null }]);
    // A constant closed loop has no target until it is changed; from then on, the setting.
    expect(state.timeline.map((p) => p.target)).toEqual([null, null, 40]);
  });

  it('an open loop: the current rate, which the header and the CO correction read', () => {
    const state = new SessionBuilder({ rate: 100, connections: 1000 }).startLoad(500).adjust(900, { rate: 250 }).sample(1_000, [{ pid: 100, threads: 7 }]).state();
    expect(currentLoadSetting(state)).toEqual({ rate: 250 });
    expect(targetRate(state)).toBe(250);
    expect(state.timeline[0].target).toBe(250);
  });

  it('a ramp has no setting of its own to change', () => {
    const state = new SessionBuilder({ ramp: { unit: 'connections', stages: [{ durationMs: 1_000, value: 5 }] } }).startLoad(0).state();
    expect(currentLoadSetting(state)).toBeNull();
  });
});
