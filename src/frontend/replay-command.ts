import { buildJsonReport } from '../report/json.js';
import { renderReport } from '../report/render.js';
import type { ReplayCliCommand } from '../session/replay-args.js';
import { clockText, foldEvents, loadRecording, recordedFacts, recordingDurationMs, RecordingError } from '../session/replay.js';
import { sanitizeForTerminal } from '../util/sanitize.js';

/**
 * `watchload replay FILE`: the live view fed by the recording, or (--json, --no-tui, not a
 * terminal) the report the recorded run printed, folded from the same events. Returns the exit
 * code; a file that cannot be replayed is one line on stderr and exit 2.
 */
export async function runReplayCommand(command: Extract<ReplayCliCommand, { kind: 'replay' }>): Promise<number> {
  const fail = (message: string) => {
    process.stderr.write(`watchload: replay: ${sanitizeForTerminal(message)}\n`);
    return 2;
  };
  let recording;
  try {
    recording = loadRecording(command.file);
  } catch (error) {
    if (error instanceof RecordingError) return fail(error.message);
    throw error;
  }
  const { events, truncated } = recording;
  if (truncated) {
    const at = clockText(recordingDurationMs(events));
    process.stderr.write(`watchload: replay: warning: ${sanitizeForTerminal(command.file)} is truncated (the run was killed, or its disk filled?): replaying up to ${at}\n`);
  }
  let state;
  try {
    state = foldEvents(events);
  } catch (error) {
    return fail(`${command.file}: its events cannot be replayed (${(error as Error).message})`);
  }
  if (state.config === null) return fail(`${command.file} holds no session (no session/started event)`);

  // Keys need a terminal on stdin too: without one a held view could never be quit.
  const interactive = command.tui && process.stdout.isTTY === true && process.stdin.isTTY === true && !process.env.CI;
  if (interactive) {
    // Ink (and React) load only when a TUI is shown.
    const { runReplayTui } = await import('./replay-tui.js');
    await runReplayTui(events);
  }
  if (command.json) {
    process.stdout.write(JSON.stringify(buildJsonReport(state, recordedFacts(state)), null, 2) + '\n');
  } else if (state.load.startedAtMs !== null) {
    process.stdout.write(renderReport(state, recordedFacts(state), 'text'));
  }
  return 0;
}
