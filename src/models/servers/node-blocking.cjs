'use strict';
// A synchronous handler: the main thread sleeps for the request's ?delay (Atomics.wait, a
// futex wait) instead of waiting on the upstream asynchronously, so the event loop serves one
// request at a time, as the single-threaded dev server does: about 1/delay requests/s.
// It does not call the upstream: Node has no blocking HTTP client, and a helper thread doing
// the call would add a thread this model is about not having.
const app = require('./node-app.cjs');

const MAX_DELAY_S = 600;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

app.listen((req, res) => {
  const seconds = Number(app.delayOf(req));
  // NaN would be an infinite wait: a bad delay does not wait at all.
  const ms = Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, MAX_DELAY_S) * 1000 : 0;
  Atomics.wait(sleeper, 0, 0, ms);
  app.respond(res, { status: 200, text: 'Hi there! slow api response' });
});
