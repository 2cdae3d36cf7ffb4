import { connectEngine, type Engine } from './engine.js';
import { engineMessage, removeOrphanContainers } from './container.js';
import { ensureModelImage } from './image.js';
import { RuntimeError } from '../util/errors.js';
import type { DockerOptions } from './types.js';

export interface PreparedDocker {
  readonly engine: Engine;
  readonly image: string;
  readonly options: DockerOptions;
}

/**
 * Before a --docker run starts anything: an engine that answers, the containers a killed
 * run left there removed, and the image: the user's (it must be on the engine: nothing can
 * be pulled here) or watchload's model image, built when missing (about a minute).
 */
export async function prepareDocker(options: DockerOptions, say: (line: string) => void): Promise<PreparedDocker> {
  const engine = await connectEngine();
  for (const name of await removeOrphanContainers(engine.docker).catch(() => [])) {
    say(`removed container ${name}, left by an earlier run that was killed`);
  }
  if (options.image === null) return { engine, image: await ensureModelImage(engine.docker, say), options };
  try {
    await engine.docker.getImage(options.image).inspect();
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    throw new RuntimeError(
      status === 404
        ? `image ${options.image} is not on the engine at ${engine.where}: build or load it there first (docker build / docker load)`
        : `cannot read image ${options.image} on ${engine.where}: ${engineMessage(error)}`,
    );
  }
  return { engine, image: options.image, options };
}
