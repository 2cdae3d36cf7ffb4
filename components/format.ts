/**
 * Number formats shared by the panes and the summary. Locale-free on purpose: the frames and
 * the summary are asserted byte for byte in tests and read in CI logs.
 */

/** 12345 → "12,345". */
export function formatCount(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.round(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * A latency at most 7 columns wide with 3 significant digits: "850 µs", "2.35 ms", "23.5 ms",
 * "201 ms", "1.20 s", "12.3 s", "123 s"; "—" when unknown.
 */
export function formatLatencyMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 9.995) return `${ms.toFixed(2)} ms`;
  if (ms < 99.95) return `${ms.toFixed(1)} ms`;
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 9.995) return `${s.toFixed(2)} s`;
  if (s < 99.95) return `${s.toFixed(1)} s`;
  return `${Math.round(s)} s`;
}

/**
 * A bucket edge given in microseconds, as short as it can be: "500 µs", "1 ms", "1.5 ms",
 * "200 ms", "2 s". Edges are round numbers, so no digits are lost.
 */
export function formatEdgeUs(us: number): { readonly value: string; readonly unit: 'µs' | 'ms' | 's' } {
  const short = (v: number) => String(Number(v.toPrecision(3)));
  if (us < 1000) return { value: short(us), unit: 'µs' };
  if (us < 1_000_000) return { value: short(us / 1000), unit: 'ms' };
  return { value: short(us / 1_000_000), unit: 's' };
}

/** A latency bucket's range: "200–250 ms", "500 ms–1 s", "≥ 5 s". */
export function formatRangeUs(fromUs: number, toUs: number): string {
  const from = formatEdgeUs(fromUs);
  const to = formatEdgeUs(toUs);
  if (from.unit === to.unit) return `${from.value}–${to.value} ${to.unit}`;
  return `${from.value} ${from.unit}–${to.value} ${to.unit}`;
}

/** Elapsed time as a clock: "0:07", "12:34", "1:02:03". */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A rate: one decimal below 100 ("12.5"), whole numbers above ("248", "12,345"). */
export function formatRate(perSecond: number | null): string {
  if (perSecond === null || !Number.isFinite(perSecond)) return '—';
  return perSecond < 99.95 ? perSecond.toFixed(1) : formatCount(perSecond);
}

/** A value the user set (a rate, a connection count) as they would write it: `200`, `1,000`, `12.5`. */
export function formatSetting(value: number): string {
  return Number.isInteger(value) ? formatCount(value) : String(Number(value.toPrecision(6)));
}

/** %CPU in at most 5 columns: "0.0", "12.3", "100.0", "1234"; "–" before a second sample. */
export function formatCpuPercent(cpuPercent: number | null): string {
  if (cpuPercent === null || !Number.isFinite(cpuPercent)) return '–';
  return cpuPercent < 999.95 ? cpuPercent.toFixed(1) : String(Math.round(cpuPercent));
}

/** Resident memory in MiB (GiB from 10,000 MiB): "48.2 MiB". */
export function formatRssBytes(rssBytes: number): string {
  const mib = rssBytes / (1024 * 1024);
  if (mib < 9999.95) return `${mib.toFixed(1)} MiB`;
  return `${(mib / 1024).toFixed(1)} GiB`;
}

/** How a process ended: `signal SIGKILL`, `code 1`, or (an attached process, not our child) that nobody could tell. */
export function exitText(exit: { readonly code: number | null; readonly signal: string | null }): string {
  if (exit.signal !== null) return `signal ${exit.signal}`;
  return exit.code !== null ? `code ${exit.code}` : 'exit status unknown: not our child';
}
