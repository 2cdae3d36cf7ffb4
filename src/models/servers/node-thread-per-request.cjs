'use strict';
// A new worker thread for every request, ended as soon as it has the answer: threads grow
// with the requests in flight and fall back after (the thread explosion). Bounded: beyond
// LIMIT threads in flight a request gets 503 at once instead of a thread, so the machine
// survives: each thread is a V8 isolate of its own, about 6.5 MB of RSS and 35 ms of CPU to
// start here (200 in flight: 1.3 GB), so 1,000 is already several GB.
const { Worker } = require('node:worker_threads');
const { join } = require('node:path');
const app = require('./node-app.cjs');

const LIMIT = 1_000;
let inFlight = 0;

app.listen((req, res) => {
  if (inFlight >= LIMIT) {
    app.respond(res, { status: 503, text: `${LIMIT} threads in flight: refused\n` });
    return;
  }
  inFlight++;
  const worker = new Worker(join(__dirname, 'node-upstream-worker.cjs'), {
    workerData: { upstream: app.options.upstream, keepAlive: false },
  });
  worker.once('message', (answer) => {
    app.respond(res, answer);
    void worker.terminate();
  });
  worker.once('error', (error) => {
    if (!res.headersSent) app.respond(res, { status: 500, text: `thread failed: ${error.message}\n` });
  });
  worker.once('exit', () => inFlight--);
  worker.postMessage({ delay: app.delayOf(req) });
});
