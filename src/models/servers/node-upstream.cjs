'use strict';
// The app's one outbound call: GET <upstream>?delay=S, turned into the answer the app gives
// (200 "Hi there! " + the upstream's text; 502 when the upstream fails or answers otherwise).
// It reads no argv, so worker threads (node-upstream-worker.cjs) use it as the main thread does.
const http = require('node:http');

/**
 * A function delay → Promise<{ status, text }> calling the upstream at `url`. keepAlive: one
 * pool of connections per caller, unbounded, so the app never queues on the upstream; a
 * thread that lives for one request passes false so nothing outlives its answer.
 */
function createUpstream(url, { keepAlive = true } = {}) {
  const upstream = new URL(url);
  const agent = new http.Agent({ keepAlive, maxSockets: Infinity });
  return function callUpstream(delay) {
    return new Promise((resolve) => {
      const target = new URL(upstream);
      target.searchParams.set('delay', delay);
      const call = http.get(target, { agent }, (up) => {
        let body = '';
        up.setEncoding('utf8');
        up.on('data', (chunk) => (body += chunk));
        up.on('end', () => resolve({ status: up.statusCode === 200 ? 200 : 502, text: `Hi there! ${body}` }));
      });
      call.on('error', (error) => resolve({ status: 502, text: `upstream failed: ${error.message}` }));
    });
  };
}

module.exports = { createUpstream };
