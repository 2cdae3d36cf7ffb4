// watchload's slow upstream (the tutorial's "slow API", GET /?delay=S) as a process of its
// own, for benchmarks that start a model's server without the CLI: createSlowApi() from the
// built dist/src/upstream/slow-api.js, the code the CLI runs in a worker thread.
// Prints "LISTENING <port>" on stdout; exits when its stdin closes (the benchmark is gone).
import { existsSync } from 'node:fs';

const module = new URL('../../dist/src/upstream/slow-api.js', import.meta.url);
if (!existsSync(module)) {
  process.stderr.write('dist/src/upstream/slow-api.js is missing: run `npm run build` first\n');
  process.exit(1);
}
const { createSlowApi } = await import(module.href);
const server = createSlowApi();
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
