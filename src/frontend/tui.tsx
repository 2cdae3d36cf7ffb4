import React from 'react';
import { render, type Instance } from 'ink';
import { LiveApp, type NoticeSource } from '../../components/LiveApp.js';
import { colorEnabled } from '../../components/color.js';
import type { FrontEnd } from '../session/run.js';

export interface TuiOptions {
  /** `--no-color` gives false; absent, NO_COLOR / FORCE_COLOR=0 in the environment decide. */
  readonly color?: boolean;
  /** A line the run wants seen now (a stopped recording), shown in the footer. */
  readonly notice?: NoticeSource;
}

/**
 * The live Ink view. Ctrl-C is a key here (raw mode), handled like SIGINT by the session.
 *
 * Colour off: the components drop every colour (ColorContext) and keep bold, dim and inverse.
 * chalk, under Ink, reads NO_COLOR not at all, FORCE_COLOR=0 and a `--no-color` argument when it
 * loads (its supports-color), so with NO_COLOR the bin shim sets FORCE_COLOR=0 before Ink loads;
 * the context makes the screen monochrome whatever chalk decided.
 */
export function tuiFrontEnd(options: TuiOptions = {}): FrontEnd {
  const color = colorEnabled(options.color, process.env);
  let instance: Instance | null = null;
  return {
    start(store, controls) {
      instance = render(<LiveApp store={store} controls={controls} color={color} notice={options.notice} />, { exitOnCtrlC: false, patchConsole: false, maxFps: 10 });
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
