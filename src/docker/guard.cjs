'use strict';
// Removes a container when watchload dies, however it dies (SIGKILL included): it waits on a
// pipe from watchload, which the kernel closes when watchload exits. A process of its own,
// outside the container and the server's tree, so it is never sampled; watchload kills it
// after removing the container itself. argv: CONTAINER_ID. The engine: DOCKER_HOST, as watchload's.
const Dockerode = require('dockerode');

const id = process.argv[2];
let removing = false;

async function remove() {
  if (removing) return;
  removing = true;
  try {
    await new Dockerode().getContainer(id).remove({ force: true });
  } catch {
    // Gone already, or the engine is gone: nothing more a guard can do.
  }
  process.exit(0);
}

process.on('SIGHUP', () => undefined);
process.on('SIGINT', () => undefined);
process.stdin.on('end', remove);
process.stdin.on('close', remove);
process.stdin.on('error', remove);
process.stdin.resume();
