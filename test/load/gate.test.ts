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
