import { describe, expect, it } from 'vitest';
import { createPacer, parseRamp, stageAt, stagesFrom } from '../../src/load/schedule.js';

/** Every intended time the pacer gives, taking each as soon as it is due. */
function drainAll(pacer: ReturnType<typeof createPacer>, maxMs = 1e9): number[] {
  const times: number[] = [];
  for (let t = pacer.peek(); t !== null && t <= maxMs; t = pacer.peek()) times.push(pacer.take(t) as number);
  return times;
}

describe('createPacer: the open-loop schedule', () => {
  it('spaces requests evenly at the rate, never in bursts', () => {
    const times = drainAll(createPacer({ stages: [{ durationMs: 50, value: 200 }] }));
    expect(times).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45]);
  });

  it('sends rate × duration requests over a run: 200/s for 20 s is 4,000', () => {
    const pacer = createPacer({ stages: [{ durationMs: 20_000, value: 200 }] });
    expect(pacer.total).toBe(4000);
    expect(drainAll(pacer)).toHaveLength(4000);
  });

  it('does not give a request before its time, and gives every one due when it is late', () => {
    const pacer = createPacer({ stages: [{ durationMs: 1000, value: 100 }] });
    expect(pacer.take(0)).toBe(0);
    expect(pacer.take(9.9)).toBeNull();
    // 35 ms late: the three due (10, 20, 30) come one after another, each with its own time.
    expect(pacer.backlog(40)).toBe(4);
    expect([pacer.take(45), pacer.take(45), pacer.take(45), pacer.take(45), pacer.take(45)]).toEqual([10, 20, 30, 40, null]);
    expect(pacer.backlog(45)).toBe(0);
  });

  it('follows the stages of a ramp, and a stage of 0 sends nothing', () => {
    const times = drainAll(createPacer({ stages: [{ durationMs: 20, value: 100 }, { durationMs: 30, value: 0 }, { durationMs: 10, value: 400 }] }));
    expect(times).toEqual([0, 10, 50, 52.5, 55, 57.5]);
  });

  it('stops at the request limit (-n) even when the stage goes on', () => {
    const pacer = createPacer({ stages: [{ durationMs: Infinity, value: 1000 }], limit: 3 });
    expect(drainAll(pacer)).toEqual([0, 1, 2]);
    expect(pacer.peek()).toBeNull();
    expect(pacer.backlog(1e6)).toBe(0);
  });

  it('interleaves the schedules of load workers through their phases', () => {
    const a = drainAll(createPacer({ stages: [{ durationMs: 40, value: 50 }], phase: 0 }));
    const b = drainAll(createPacer({ stages: [{ durationMs: 40, value: 50 }], phase: 0.5 }));
    expect([...a, ...b].sort((x, y) => x - y)).toEqual([0, 10, 20, 30]);
  });
});

describe('stages', () => {
  const stages = [{ durationMs: 10_000, value: 50 }, { durationMs: 20_000, value: 200 }];
  it('finds the stage at a time', () => {
    expect(stageAt(stages, 0)?.index).toBe(0);
    expect(stageAt(stages, 10_000)).toEqual({ index: 1, startMs: 10_000, stage: stages[1] });
    expect(stageAt(stages, 30_000)).toBeNull();
  });
  it('keeps what is left after a pause', () => {
    expect(stagesFrom(stages, 4_000)).toEqual([{ durationMs: 6_000, value: 50 }, { durationMs: 20_000, value: 200 }]);
    expect(stagesFrom(stages, 25_000)).toEqual([{ durationMs: 5_000, value: 200 }]);
  });
});

describe('parseRamp', () => {
  it('reads SECONDS:VALUE steps', () => {
    expect(parseRamp('10:50,20:200')).toEqual([{ durationMs: 10_000, value: 50 }, { durationMs: 20_000, value: 200 }]);
    expect(parseRamp(' 0.5s:1 , 2:0')).toEqual([{ durationMs: 500, value: 1 }, { durationMs: 2000, value: 0 }]);
  });
  it.each([
    ['', "--ramp: expected SECONDS:VALUE[,SECONDS:VALUE…], got ''"],
    ['10:50,', "--ramp: expected SECONDS:VALUE[,SECONDS:VALUE…], got '10:50,'"],
    ['10-50', "--ramp: '10-50' is not SECONDS:VALUE (e.g. 10:50)"],
    ['0:50', "--ramp: '0:50': a stage lasts more than 0 s and at most 86400 s"],
    ['10:-5', "--ramp: '10:-5' is not SECONDS:VALUE (e.g. 10:50)"],
  ])('refuses %j', (text, message) => {
    expect(() => parseRamp(text)).toThrow(message);
  });
});
