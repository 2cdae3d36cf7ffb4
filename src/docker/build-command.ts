import { RuntimeError } from '../util/errors.js';
import { sanitizeForTerminal } from '../util/sanitize.js';
import { connectEngine } from './engine.js';
import { buildModelImage, modelImageRef } from './image.js';

/** A terminal's line is rewritten at most this often while counts move. */
const REWRITE_MS = 100;

/**
 * Progress on stderr: on a terminal the first line (what is built, from where) stays and one
 * line under it is rewritten in place, counts included; otherwise one line per step, a dozen in
 * all, so that a CI log stays readable.
 */
function progressPrinter(stream: NodeJS.WriteStream, ref: string): { step(line: string): void; count(line: string): void; end(): void } {
  const tty = stream.isTTY === true;
  // The ref is in the first line: on a rewritten line it would leave no room for the count.
  const prefix = `building ${ref}: `;
  let started = false;
  let rewriting = false;
  let lastMs = 0;
  const rewrite = (line: string) => {
    const width = Math.max(20, (stream.columns || 80) - 1);
    const text = `watchload: ${sanitizeForTerminal(line.startsWith(prefix) ? line.slice(prefix.length) : line)}`;
    stream.write(`\r\x1b[2K${text.length > width ? text.slice(0, width - 1) + '…' : text}`);
    rewriting = true;
  };
  return {
    step(line) {
      if (!tty || !started) stream.write(`watchload: ${sanitizeForTerminal(line)}\n`);
      else rewrite(line);
      started = true;
    },
    count(line) {
      const now = performance.now();
      if (!tty || now - lastMs < REWRITE_MS) return;
      lastMs = now;
      rewrite(line);
    },
    end() {
      if (rewriting) stream.write('\n');
      rewriting = false;
    },
  };
}

/**
 * `watchload docker build [--force]`: builds watchload's model image on the engine DOCKER_HOST
 * names unless it is already there; prints its ref on stdout. Never throws: 0 built or already
 * there, 1 with one line (and debootstrap's last lines) on stderr.
 */
export async function runDockerBuildCommand(options: { force: boolean }): Promise<number> {
  const printer = progressPrinter(process.stderr, modelImageRef());
  try {
    const { docker, where } = await connectEngine();
    const result = await buildModelImage(docker, { force: options.force, onProgress: printer.step, onCount: printer.count });
    printer.end();
    if (!result.built) {
      const size = result.sizeBytes === null ? '' : ` (${Math.round(result.sizeBytes / 1e6)} MB)`;
      process.stderr.write(`watchload: ${result.ref} is already on the engine at ${where}${size}; --force builds it again\n`);
    }
    process.stdout.write(`${result.ref}\n`);
    return 0;
  } catch (error) {
    printer.end();
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`watchload: ${sanitizeForTerminal(message || `building ${modelImageRef()} failed`)}\n`);
    const details = error instanceof RuntimeError ? error.details : [];
    for (const line of details) process.stderr.write(`  | ${sanitizeForTerminal(line)}\n`);
    return 1;
  }
}
