'use strict';
// The tutorial's app on Node: its only route calls the slow upstream with the request's
// ?delay and answers "Hi there! " + the upstream's text. CommonJS on purpose: an ESM entry
// starts the libuv threadpool at load time (4 extra threads per process), which would hide
// the shape the demo is about.
const http = require('node:http');
const { parseArgs } = require('node:util');
const { createUpstream } = require('./node-upstream.cjs');

// The command line says everything (`--port P --upstream URL`), so the one shown in
// watchload's header can be pasted to start the same server by hand.
const { values: options } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8000' },
    upstream: { type: 'string', default: 'http://127.0.0.1:9/' },
    workers: { type: 'string', default: '4' },
    threads: { type: 'string', default: '4' },
  },
});

const callUpstream = createUpstream(options.upstream);

/** The request's ?delay, as sent: what the upstream is asked to wait, in seconds. */
function delayOf(req) {
  return new URL(req.url, 'http://app').searchParams.get('delay') || '0';
}

/** Writes an answer ({ status, text }, as callUpstream gives it) as the response. */
function respond(res, answer) {
  res.writeHead(answer.status, { 'content-type': 'text/plain' });
  res.end(answer.text);
}

function handle(req, res) {
  callUpstream(delayOf(req)).then((answer) => respond(res, answer));
}

/** Serves `handler` (the app's own route by default) on --host/--port. */
function listen(handler = handle) {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.listen({ port: Number(options.port), host: options.host, backlog: 4096 });
  return server;
}

/** --threads as a count (at least 1), for the models that take it. */
function threadCount() {
  return Math.max(1, Math.floor(Number(options.threads)) || 1);
}

module.exports = { callUpstream, delayOf, handle, listen, options, respond, threadCount };
