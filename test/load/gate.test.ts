import { describe, expect, it } from 'vitest';
import { createGate, type GateMode } from '../../src/load/gate.js';

/** A fake clock with timers that fire when it is advanced. */
function fakeTimers() {
  let now = 0;
  let timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let nextId = 1;
  return {
    timers: {
      now: () => now,
      set: (fn: () => void, ms: number) => {
        const id = nextId++;
        timers.push({ at: now + ms, fn, id });
        return id;
      },
      clear: (id: unknown) => {
        timers = timers.filter((t) => t.id !== id);
      },
    },
    advance(toMs: number) {
      for (;;) {
        const due = timers.filter((t) => t.at <= toMs).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = Math.max(now, due.at);
        due.fn();
      }
      now = toMs;
    },
  };
}

interface FakeClient {
  readonly name: string;
  readonly index: number;
  connected: boolean;
}

function setup(mode: GateMode, clients: FakeClient[]) {
  const clock = fakeTimers();
  const released: Array<[string, number, number]> = [];
  let exhausted = 0;
  const gate = createGate<FakeClient>(mode, clock.timers, {
    release: (client, intendedMs) => released.push([client.name, intendedMs, clock.timers.now()]),
    exhausted: () => exhausted++,
    index: (client) => client.index,
    connected: (client) => client.connected,
  });
  return { gate, clock, released, clients, exhausted: () => exhausted };
}

const client = (name: string, index: number, connected = true): FakeClient => ({ name, index, connected });

describe('createGate: open loop', () => {
  it('releases parked clients on the schedule, one request each', () => {
    const a = client('a', 0);
    const b = client('b', 1);
    const { gate, clock, released } = setup({ kind: 'rate', stages: [{ durationMs: 100, value: 100 }], phase: 0, limit: null }, [a, b]);
    expect(gate.ask(a)).toBe(0); // due at once
    expect(gate.ask(b)).toBe('wait');
    clock.advance(10);
    expect(released).toEqual([['b', 10, 10]]);
    expect(gate.parked).toBe(0);
  });

  it('measures a late send from its intended time: requests queue while every connection is busy', () => {
    const a = client('a', 0);
    const { gate, clock } = setup({ kind: 'rate', stages: [{ durationMs: 1000, value: 100 }], phase: 0, limit: null }, [a]);
    expect(gate.ask(a)).toBe(0);
    // The only connection's response takes 35 ms: by then 3 more were due.
    clock.advance(35);
    expect(gate.backlog()).toBe(3);
    expect(gate.ask(a)).toBe(10);
    expect(gate.ask(a)).toBe(20);
    expect(gate.ask(a)).toBe(30);
    expect(gate.ask(a)).toBe('wait');
  });

  it('prefers an idle open connection over opening a new one', () => {
    const cold = client('cold', 0, false);
    const warm = client('warm', 1, true);
    const { gate, clock, released } = setup({ kind: 'rate', stages: [{ durationMs: 100, value: 100 }], phase: 0, limit: null }, [cold, warm]);
    gate.ask(client('first', 2));
    expect(gate.ask(cold)).toBe('wait');
    expect(gate.ask(warm)).toBe('wait');
    clock.advance(10);
    expect(released.map(([name]) => name)).toEqual(['warm']);
  });

  it('says when the schedule is over, and closes', () => {
    const a = client('a', 0);
    const { gate, clock, exhausted } = setup({ kind: 'rate', stages: [{ durationMs: Infinity, value: 1000 }], phase: 0, limit: 2 }, [a]);
    expect(gate.ask(a)).toBe(0);
    expect(gate.ask(client('b', 1))).toBe('wait');
    clock.advance(1);
    expect(exhausted()).toBe(1);
    expect(gate.ask(a)).toBe('closed');
  });

  it('hands back the parked clients when closed, and admits nobody after', () => {
    const a = client('a', 0);
    const b = client('b', 1);
    const { gate, clock, released } = setup({ kind: 'rate', stages: [{ durationMs: 1000, value: 10 }], phase: 0, limit: null }, [a, b]);
    gate.ask(client('first', 2));
    gate.ask(a);
    gate.ask(b);
    gate.remove(a);
    expect(gate.close()).toEqual([b]);
    clock.advance(500);
    expect(released).toEqual([]);
    expect(gate.ask(a)).toBe('closed');
  });
});

describe('createGate: closed-loop ramp', () => {
  it('lets the first N clients of each stage send, and wakes the others when their stage comes', () => {
    const clients = [0, 1, 2, 3].map((i) => client(`c${i}`, i, false));
    const { gate, clock, released } = setup({ kind: 'connections', stages: [{ durationMs: 1000, value: 1 }, { durationMs: 1000, value: 3 }, { durationMs: 1000, value: 2 }] }, clients);
    expect(clients.map((c) => gate.ask(c))).toEqual([0, 'wait', 'wait', 'wait']);
    clock.advance(1000);
    expect(released).toEqual([['c1', 1000, 1000], ['c2', 1000, 1000]]);
    clock.advance(2500);
    // Down to 2: the third parks at its next request.
    expect(gate.ask(clients[2])).toBe('wait');
    expect(gate.ask(clients[1])).toBe(2500);
  });
});

describe('setTarget: the load changed while it runs', () => {
  it('connections raised: the parked clients now within the limit send at once; lowered: the others park at their next ask', () => {
    const clients = [0, 1, 2, 3].map((i) => client(`c${i}`, i));
    const { gate, clock, released } = setup({ kind: 'connections', stages: [{ durationMs: Infinity, value: 2 }] }, clients);
    expect(clients.map((c) => gate.ask(c))).toEqual([0, 0, 'wait', 'wait']);
    clock.advance(100);
    gate.setTarget(4);
    expect(released).toEqual([['c2', 100, 100], ['c3', 100, 100]]);
    gate.setTarget(1);
    expect(gate.ask(clients[3])).toBe('wait');
    expect(gate.ask(clients[1])).toBe('wait');
    expect(gate.ask(clients[0])).toBe(100);
    expect(gate.parked).toBe(2);
  });

  it('connections mode with -n: admissions stop at the amount, the rest are closed', () => {
    const clients = [0, 1, 2].map((i) => client(`c${i}`, i));
    const { gate, exhausted } = setup({ kind: 'connections', stages: [{ durationMs: Infinity, value: 3 }], limit: 4 }, clients);
    expect(clients.map((c) => gate.ask(c))).toEqual([0, 0, 0]);
    expect(gate.ask(clients[0])).toBe(0);
    expect(gate.ask(clients[1])).toBe('closed');
    expect(gate.ask(clients[2])).toBe('closed');
    expect(exhausted()).toBe(0); // signalled on the next timer tick, not inside ask()
  });

  it('rate raised from 10/s to 100/s at 1 s: evenly spaced at the new rate from then on', () => {
    const a = client('a', 0);
    const { gate, clock, released } = setup({ kind: 'rate', stages: [{ durationMs: 10_000, value: 10 }], phase: 0, limit: null }, [a]);
    // Requests at 0, 100, …, 900 ms at 10/s.
    for (let t = 0; t <= 900; t += 100) {
      clock.advance(t);
      expect(gate.ask(a)).toBe(t);
    }
    clock.advance(1_000);
    gate.setTarget(100);
    // The old schedule's request due at 1,000 ms goes first, then every 10 ms.
    const intended: number[] = [];
    for (let t = 1_000; t <= 1_030; t += 10) {
      clock.advance(t);
      const got = gate.ask(a);
      if (typeof got === 'number') intended.push(got);
    }
    // One ask every 10 ms: each takes the earliest due, so the backlog of one trails by 10 ms.
    expect(intended).toEqual([1_000, 1_000, 1_010, 1_020]);
    expect(released).toEqual([]);
  });
});

describe('switchRate', () => {
  it('keeps the old backlog at its intended times, then the new rate; counts add up to the limit', async () => {
    const { createPacer } = await import('../../src/load/schedule.js');
    const { switchRate } = await import('../../src/load/gate.js');
    const stages = [{ durationMs: 2_000, value: 10 }];
    const old = createPacer({ stages, phase: 0, limit: 12 });
    expect(old.take(0)).toBe(0);
    // At 500 ms the requests of 100…500 are due and not sent (5), and the new schedule's first (at 500).
    const pacer = switchRate(old, 500, 100, stages, 0, 12);
    expect(pacer.backlog(500)).toBe(6);
    const taken: number[] = [];
    for (let k = 0; k < 20; k++) {
      const t = pacer.take(10_000);
      if (t === null) break;
      taken.push(t);
    }
    expect(taken).toEqual([100, 200, 300, 400, 500, 500, 510, 520, 530, 540, 550]);
    expect(pacer.taken).toBe(12);
    expect(pacer.peek()).toBeNull();
  });
});
