'use strict';
// node:cluster, as prefork servers do: the primary forks every worker up front, before any
// request, and the workers share the listening socket. A worker that dies is not replaced:
// watchload shows the death instead of hiding it.
const cluster = require('node:cluster');
const app = require('./node-app.cjs');

if (cluster.isPrimary) {
  const workers = Math.max(1, Number(app.options.workers));
  for (let i = 0; i < workers; i++) cluster.fork();
  let alive = workers;
  cluster.on('exit', (worker, code, signal) => {
    process.stderr.write(`worker ${worker.process.pid} exited (${signal || code})\n`);
    if (--alive === 0) process.exit(1);
  });
  const stop = () => {
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  app.listen();
}
