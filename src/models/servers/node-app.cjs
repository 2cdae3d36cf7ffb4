'use strict';
// The tutorial's app on Node: its only route calls the slow upstream with the request's
// ?delay and answers "Hi there! " + the upstream's text. CommonJS on purpose: an ESM entry
// starts the libuv threadpool at load time (4 extra threads per process), which would hide
// the shape the demo is about.
const http = require('node:http');
const { parseArgs } = require('node:util');

// The command line says everything (`--port P --upstream URL`), so the one shown in
// watchload's header can be pasted to start the same server by hand.
const { values: options } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8000' },
    upstream: { type: 'string', default: 'http://127.0.0.1:9/' },
    workers: { type: 'string', default: '4' },
  },
});

const upstream = new URL(options.upstream);
// One keep-alive pool per process, unbounded, so the app never queues on the upstream.
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function handle(req, res) {
  const query = new URL(req.url, 'http://app').searchParams;
  const delay = query.get('delay') || '0';
  const target = new URL(upstream);
  target.searchParams.set('delay', delay);
  const call = http.get(target, { agent }, (up) => {
    let body = '';
    up.setEncoding('utf8');
    up.on('data', (chunk) => (body += chunk));
    up.on('end', () => {
      const status = up.statusCode === 200 ? 200 : 502;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(`Hi there! ${body}`);
    });
  });
  call.on('error', (error) => {
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`upstream failed: ${error.message}`);
  });
}

function listen() {
  const server = http.createServer(handle);
  server.keepAliveTimeout = 60_000;
  server.listen({ port: Number(options.port), host: options.host, backlog: 4096 });
  return server;
}

module.exports = { handle, listen, options };
