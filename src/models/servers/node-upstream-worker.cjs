'use strict';
// A worker thread that makes the app's upstream call for its parent: each message
// { delay } is answered with { status, text }. How many it holds at once is the
// parent's choice (node-worker-pool.cjs gives it one at a time); workerData: { upstream, keepAlive }.
const { parentPort, workerData } = require('node:worker_threads');
const { createUpstream } = require('./node-upstream.cjs');

const callUpstream = createUpstream(workerData.upstream, { keepAlive: workerData.keepAlive !== false });

parentPort.on('message', ({ delay }) => {
  callUpstream(delay).then((answer) => parentPort.postMessage(answer));
});
