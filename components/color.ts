import { createContext } from 'react';

/**
 * Whether the screen may use colour. Off, every segment keeps its text, bold, dim and inverse
 * but loses its colour, so the screen reads the same in monochrome (https://no-color.org).
 * The live app provides it; TextLine, Sparkline and the help's border read it.
 */
export const ColorContext = createContext<boolean>(true);

/**
 * Colour on or off from the command line and the environment: `--no-color` (flag false),
 * `NO_COLOR` set to anything but '' (no-color.org), or `FORCE_COLOR=0` turn it off.
 */
export function colorEnabled(flag: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
}
