// A trivial node:http server for bench/load-engine.ts: 200 "ok\n" at once, on 127.0.0.1.
// Prints "LISTENING <port>" on stdout; exits when its stdin closes (the benchmark is gone).
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  // Content-Length, so that HTTP/1.0 keep-alive clients (ab -k) keep the connection too.
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 });
  res.end('ok\n');
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
