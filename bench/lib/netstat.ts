import { readFileSync } from 'node:fs';

/**
 * The kernel's TCP extension counters (/proc/net/netstat, `TcpExt:` header line then values;
 * proc(5)), machine-wide: e.g. ListenOverflows (a SYN dropped or answered with a cookie
 * because a listen queue was full: the client retries after 1 s, SERVERS.md) and
 * SyncookiesSent.
 */
export function tcpExt(): Record<string, number> {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
  if (lines.length < 2) return {};
  const names = lines[0].trim().split(/\s+/).slice(1);
  const values = lines[1].trim().split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

/** Counter deltas since `before` for the names given. */
export function tcpExtDelta(before: Record<string, number>, names: readonly string[]): Record<string, number> {
  const now = tcpExt();
  return Object.fromEntries(names.map((n) => [n, (now[n] ?? 0) - (before[n] ?? 0)]));
}
