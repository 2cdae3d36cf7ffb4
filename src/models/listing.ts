import type { ModelSpec } from './registry.js';
import { describeNeed, INSTALL_COMMAND, missingNeeds, type Found } from './requirements.js';

/**
 * `watchload models`: each model, what it shows, and whether it can run on this machine
 * (and if not, what is missing). Pure: `found` is what probeHost saw.
 */
export function renderModelList(models: readonly ModelSpec[], found: Found): string {
  const width = Math.max(...models.map((m) => m.name.length)) + 2;
  const pad = ''.padEnd(width + 2);
  let anyMissing = false;
  const rows = models.map((m) => {
    const missing = missingNeeds(m.needs ?? [], found);
    anyMissing ||= missing.length > 0;
    const status = missing.length === 0 ? 'runs here' : `cannot run here: needs ${missing.map(describeNeed).join(', ')}`;
    return `  ${m.name.padEnd(width)}${m.summary}\n${pad}shape: ${m.expectedShape}\n${pad}${status}`;
  });
  const footer = anyMissing ? `\nInstall what is missing: ${INSTALL_COMMAND}\n` : '';
  return `Models (watchload --model NAME):\n${rows.join('\n')}\n${footer}`;
}
