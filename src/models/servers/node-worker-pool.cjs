'use strict';
// A fixed pool of --threads worker threads, all started up front, before any request. The
// main thread accepts and answers; each request's upstream call is handed to an idle pool
// worker, one request per worker at a time, and requests beyond the pool wait in a queue
// (FIFO): N workers serve at most N requests at once, as a thread pool does.
const { Worker } = require('node:worker_threads');
const { join } = require('node:path');
const app = require('./node-app.cjs');

const idle = [];
const queue = [];
/** The response each busy worker's answer goes to. */
const serving = new Map();

function startWorker() {
  const worker = new Worker(join(__dirname, 'node-upstream-worker.cjs'), { workerData: { upstream: app.options.upstream } });
  worker.on('message', (answer) => {
    app.respond(serving.get(worker), answer);
    serving.delete(worker);
    next(worker);
  });
  // A pool worker that dies is not replaced, as in node-cluster.cjs: the death shows.
  worker.on('error', (error) => {
    process.stderr.write(`pool worker ${worker.threadId} failed: ${error.stack || error}\n`);
    process.exit(1);
  });
  return worker;
}

/** Gives the worker the oldest queued request, or parks it idle. */
function next(worker) {
  const job = queue.shift();
  if (job === undefined) {
    idle.push(worker);
    return;
  }
  serving.set(worker, job.res);
  worker.postMessage({ delay: job.delay });
}

for (let i = 0; i < app.threadCount(); i++) idle.push(startWorker());

app.listen((req, res) => {
  queue.push({ res, delay: app.delayOf(req) });
  const worker = idle.pop();
  if (worker !== undefined) next(worker);
});
