import { describe, expect, it } from 'vitest';
import { formatFromPath, parseReportArgs, REPORT_HELP } from '../../src/report/command.js';
import { parseCli } from '../../src/cli-options.js';
import { UsageError } from '../../src/util/errors.js';

describe('watchload report: arguments', () => {
  it.each([
    [['report', 'a.ndjson'], { recording: 'a.ndjson', output: null, format: 'html' }],
    [['report', 'a.ndjson', '-o', 'r.html'], { recording: 'a.ndjson', output: 'r.html', format: 'html' }],
    [['report', '-o', 'out/r.md', 'a.ndjson'], { recording: 'a.ndjson', output: 'out/r.md', format: 'md' }],
    [['report', 'a.ndjson', '--output=r.JSON'], { recording: 'a.ndjson', output: 'r.JSON', format: 'json' }],
    [['report', 'a.ndjson', '-o', 'r.txt', '--format', 'md'], { recording: 'a.ndjson', output: 'r.txt', format: 'md' }],
    [['report', 'a.ndjson', '--format=json'], { recording: 'a.ndjson', output: null, format: 'json' }],
    [['report', 'a.ndjson', '-o', 'report'], { recording: 'a.ndjson', output: 'report', format: 'html' }],
  ])('%j', (argv, expected) => {
    expect(parseReportArgs(argv)).toEqual({ kind: 'report', ...expected });
    expect(parseCli(argv)).toEqual({ kind: 'report', ...expected });
  });

  it.each([
    [['report'], /which recording\?/],
    [['report', 'a', 'b'], /one recording at a time/],
    [['report', 'a', '--format', 'pdf'], /unknown format 'pdf' \(valid: html, md, json\)/],
    [['report', 'a', '-o'], /-o needs a value/],
    [['report', 'a', '--json'], /unknown option '--json'/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseReportArgs(argv)).toThrow(UsageError);
    expect(() => parseReportArgs(argv)).toThrow(message);
  });

  it('has its help', () => {
    expect(parseCli(['report', '--help'])).toEqual({ kind: 'help', text: REPORT_HELP });
    expect(REPORT_HELP).toMatch(/^Usage: watchload report FILE\.ndjson/);
  });

  it('tells the format from the extension', () => {
    expect(['a.html', 'a.htm', 'a.md', 'a.markdown', 'a.json', 'a.txt', 'a'].map(formatFromPath)).toEqual(['html', 'html', 'md', 'md', 'json', null, null]);
  });
});

describe('--report on a live run', () => {
  it('is parsed into the run command; absent, it is null', () => {
    const run = parseCli(['--model', 'cluster', '--report', 'out/r.html']);
    expect(run).toMatchObject({ kind: 'run', reportFile: 'out/r.html' });
    expect(parseCli(['--model', 'cluster'])).toMatchObject({ kind: 'run', reportFile: null });
    expect(() => parseCli(['--model', 'cluster', '--report'])).toThrow(UsageError);
  });
});
