import React from 'react';
import { render, type Instance } from 'ink';
import { LiveApp } from '../../components/LiveApp.js';
import type { FrontEnd } from '../session/run.js';

/** The live Ink view. Ctrl-C is a key here (raw mode), handled like SIGINT by the session. */
export function tuiFrontEnd(): FrontEnd {
  let instance: Instance | null = null;
  return {
    start(store, controls) {
      instance = render(<LiveApp store={store} controls={controls} />, { exitOnCtrlC: false, patchConsole: false, maxFps: 10 });
    },
    async stop() {
      if (!instance) return;
      const exited = instance.waitUntilExit().catch(() => undefined);
      instance.unmount();
      await exited;
      instance = null;
    },
  };
}
