import type { FrontEnd } from '../session/run.js';
import { statusLine } from '../report/status-line.js';

/** No Ink: one status line per period on stderr (CI, pipes, --no-tui, --json). */
export function headlessFrontEnd(write: (line: string) => void, periodMs = 1_000): FrontEnd {
  let timer: NodeJS.Timeout | null = null;
  return {
    start(store) {
      timer = setInterval(() => write(statusLine(store.getState())), periodMs);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
