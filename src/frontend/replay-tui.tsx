import React from 'react';
import { render } from 'ink';
import { ReplayApp } from '../../components/ReplayApp.js';
import type { SessionEvent } from '../session/events.js';

/**
 * The replay view until the user quits (q, Ctrl-C) or a signal comes; then Ink unmounts,
 * so the summary printed after it lands on a clean terminal.
 */
export async function runReplayTui(events: readonly SessionEvent[]): Promise<void> {
  let quit: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (quit = resolve));
  const instance = render(<ReplayApp events={events} onQuit={() => quit()} />, { exitOnCtrlC: false, patchConsole: false, maxFps: 10 });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const onSignal = () => quit();
  for (const signal of signals) process.on(signal, onSignal);
  try {
    await Promise.race([done, instance.waitUntilExit()]);
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    const exited = instance.waitUntilExit().catch(() => undefined);
    instance.unmount();
    await exited;
  }
}
