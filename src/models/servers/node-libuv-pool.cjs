'use strict';
// The app, plus work on libuv's threadpool per request: a key derivation (crypto.pbkdf2,
// about 1.3 ms of CPU here) before the upstream call. --threads sets the pool's size
// (UV_THREADPOOL_SIZE), read by libuv when the pool starts: on first use, not at startup, so
// the pool is absent until the first request that hashes.
// A request with ?delay=0 (watchload's readiness probe) skips the hash: the 'before' sample
// then shows the process as it idles, without the pool.
const { pbkdf2 } = require('node:crypto');
const app = require('./node-app.cjs');

process.env.UV_THREADPOOL_SIZE = String(app.threadCount());

const ITERATIONS = 2_000;

app.listen((req, res) => {
  if (Number(app.delayOf(req)) === 0) {
    app.handle(req, res);
    return;
  }
  pbkdf2('password', 'salt', ITERATIONS, 64, 'sha512', (error) => {
    if (error) app.respond(res, { status: 500, text: `pbkdf2 failed: ${error.message}\n` });
    else app.handle(req, res);
  });
});
