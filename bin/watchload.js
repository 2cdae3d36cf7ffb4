#!/usr/bin/env node
// A thin shim: environment first, then the built CLI.
// React picks its development build unless NODE_ENV is set before it loads (2x the CPU per frame).
process.env.NODE_ENV ??= 'production';
// chalk (under Ink) ignores NO_COLOR by itself; FORCE_COLOR=0 turns colour off before it loads.
if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') process.env.FORCE_COLOR = '0';

let cli;
try {
  cli = await import('../dist/src/cli.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/src/cli.js')) {
    process.stderr.write('watchload: not built yet: run `npm run build` (npm ci does it for you)\n');
    process.exit(1);
  }
  throw error;
}

try {
  process.exitCode = await cli.main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`watchload: internal error: ${error && error.message ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
