import Dockerode from 'dockerode';
import { RuntimeError } from '../util/errors.js';

export interface Engine {
  readonly docker: Dockerode;
  /** The engine as a user would name it: DOCKER_HOST, or the default socket. */
  readonly where: string;
  /**
   * True when the engine is reached through a unix socket of this machine: its containers'
   * processes may then be in this host's /proc (whether they are is checked per container).
   */
  readonly local: boolean;
}

const DEFAULT_SOCKET = 'unix:///var/run/docker.sock';

/** How long an engine may take to answer its ping: ssh:// needs a handshake first. */
function pingTimeoutMs(where: string): number {
  return where.startsWith('ssh://') ? 15_000 : 5_000;
}

/**
 * The engine DOCKER_HOST names (dockerode reads it, with DOCKER_TLS_VERIFY / DOCKER_CERT_PATH),
 * or the default socket; it must answer a ping, or the one-line error says how to get one.
 */
export async function connectEngine(): Promise<Engine> {
  const where = process.env.DOCKER_HOST?.trim() || DEFAULT_SOCKET;
  let docker: Dockerode;
  try {
    docker = new Dockerode();
  } catch (error) {
    throw new RuntimeError(`DOCKER_HOST=${where} is not an engine address dockerode can use: ${(error as Error).message}`);
  }
  try {
    // dockerode passes abortSignal through to the request; its types do not say so.
    const ping = docker.ping.bind(docker) as unknown as (options: { abortSignal: AbortSignal }) => Promise<unknown>;
    await ping({ abortSignal: AbortSignal.timeout(pingTimeoutMs(where)) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).name;
    const why = code === 'AbortError' || code === 'TimeoutError' ? 'no answer' : String(code ?? (error as Error).message);
    throw new RuntimeError(
      `no Docker engine answers at ${where} (${why}): start one (bash scripts/dockerd.sh start, then export the DOCKER_HOST it prints) or set DOCKER_HOST`,
    );
  }
  return { docker, where, local: where.startsWith('unix://') || where.startsWith('/') };
}
