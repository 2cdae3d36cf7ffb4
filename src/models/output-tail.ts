/**
 * The last lines a server wrote on stdout and stderr: what is shown when it dies. Lines are
 * kept as they complete; a line still without its newline is shown too.
 */
export interface OutputTail {
  /** A chunk's consumer for one of the two streams. */
  collector(stream: 'stdout' | 'stderr'): (chunk: Buffer) => void;
  /** A line of watchload's own, e.g. why the server could not start. */
  push(line: string): void;
  lines(): string[];
}

export function createOutputTail(limit: number): OutputTail {
  const tail: string[] = [];
  const partial = { stdout: '', stderr: '' };
  const keep = (line: string) => {
    if (line.trim() !== '') tail.push(line);
    if (tail.length > limit) tail.splice(0, tail.length - limit);
  };
  return {
    collector: (stream) => (chunk) => {
      const lines = (partial[stream] + chunk.toString('utf8')).split('\n');
      partial[stream] = lines.pop() ?? '';
      for (const line of lines) keep(line);
    },
    push: keep,
    lines: () => [...tail, ...[partial.stderr, partial.stdout].filter((l) => l.trim() !== '')].slice(-limit),
  };
}
