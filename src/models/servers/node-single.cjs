'use strict';
// One process, one event loop: every request waits on the upstream concurrently.
require('./node-app.cjs').listen();
