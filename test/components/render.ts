import { EventEmitter } from 'node:events';
import type React from 'react';
import { render } from 'ink';

/**
 * Renders `node` once on a fake terminal of `columns` × `rows` and returns the frame as text
 * (ink-testing-library's stdout is fixed at 100 columns; the layouts under test need others).
 * Colour codes, if the environment forces them, are removed so frames compare as text.
 */
export function renderFrame(node: React.ReactElement, columns: number, rows = 1000): string {
  const stdout = Object.assign(new EventEmitter(), {
    columns,
    rows,
    isTTY: false,
    frames: [] as string[],
    write(frame: string) {
      this.frames.push(frame);
      return true;
    },
  });
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: false,
    setEncoding() {},
    setRawMode() {},
    resume() {},
    pause() {},
    ref() {},
    unref() {},
    read: () => null,
  });
  const instance = render(node, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  instance.unmount();
  const frame = stdout.frames.length > 0 ? stdout.frames[0] : '';
  return stripAnsi(frame);
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '');
}

/** Lines of a frame without colour codes and with trailing spaces removed (Ink pads boxes with spaces). */
export function frameLines(frame: string): string[] {
  return stripAnsi(frame)
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''));
}
