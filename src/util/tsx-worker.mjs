// Worker bootstrap used only when watchload runs from its TypeScript sources (tests):
// node 20 does not honour --import in a Worker's execArgv, so the worker registers tsx's
// loader itself, then loads the real module, whose path is the last argv entry.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';

register();
await import(pathToFileURL(process.argv[process.argv.length - 1]).href);
