import { readFileSync, statSync } from 'node:fs';
import { LineCounter, isAlias, isCollection, isMap, isScalar, isSeq, parseDocument, visit, type Node, type YAMLMap } from 'yaml';
import type { InsightKind } from '../insights/types.js';
import {
  FLAGS, INSIGHT_KINDS, LOAD_FLAGS, MAX_SCENARIO_BYTES, MODEL_FLAGS, NUMERIC_EXPECTATIONS, ScenarioError,
  type Bound, type Expectations, type FlagField, type FlagValue, type LoadField, type NumericExpectation, type Origin, type Scenario, type ScenarioEntry,
} from './schema.js';

const TOP_FIELDS = ['name', 'description', 'load', 'entries'] as const;
const ENTRY_FIELDS = ['label', ...Object.keys(MODEL_FLAGS), ...Object.keys(LOAD_FLAGS), 'expect'];
const EXPECT_FIELDS = [...NUMERIC_EXPECTATIONS, 'insight', 'noInsight'];
const BOUND_FIELDS = ['lte', 'gte', 'lt', 'gt'] as const;

/** Reads and validates a scenario file; every problem is one ScenarioError (exit 2). */
export function readScenarioFile(path: string): Scenario {
  let size: number;
  try {
    const stat = statSync(path);
    // A device or a FIFO reports size 0 and may never end (/dev/zero): only regular files.
    if (!stat.isFile()) throw new ScenarioError(path, null, null, stat.isDirectory() ? 'a directory, not a scenario file' : 'not a regular file');
    size = stat.size;
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ScenarioError(path, null, null, code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? (error as Error).message})`);
  }
  // Checked before reading: a wrong path (a log, a device) must not be read whole.
  if (size > MAX_SCENARIO_BYTES) throw new ScenarioError(path, null, null, `${size} bytes: a scenario file is at most ${MAX_SCENARIO_BYTES} bytes`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ScenarioError(path, null, null, `cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseScenario(text, path);
}

/** Parses and validates a scenario's text; `file` names it in errors. */
export function parseScenario(text: string, file: string): Scenario {
  if (text.length > MAX_SCENARIO_BYTES) throw new ScenarioError(file, null, null, `a scenario file is at most ${MAX_SCENARIO_BYTES} bytes`);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  // Warnings too: an unknown tag (`!foo`) is only a warning to yaml, a value we cannot trust to us.
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw new ScenarioError(file, problem.linePos?.[0].line ?? null, null, yamlMessage(problem.message));
  const reader = new Reader(file, lines);
  rejectNonPlainYaml(doc, text, reader);
  if (!isMap(doc.contents)) {
    throw new ScenarioError(file, doc.contents ? reader.line(doc.contents) : 1, null, 'expected a map with name and entries');
  }
  return readTop(doc.contents, reader);
}

/** yaml's messages end with " at line L, column C:" and an excerpt; the line is ours to print. */
function yamlMessage(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/** Plain YAML: no tags (`!!python/object`, `!foo`), no anchors or aliases (no expansion bombs). */
function rejectNonPlainYaml(doc: ReturnType<typeof parseDocument>, text: string, reader: Reader): void {
  // A node's range starts after its tag and anchor, on the next line for a map or a list:
  // the error points at the `!` or `&` itself.
  const markLine = (node: Node, mark: string) => {
    const start = node.range?.[0] ?? 0;
    const at = text.lastIndexOf(mark, start);
    return reader.lineAt(at >= 0 ? at : start);
  };
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) reader.failAt(reader.line(node), null, `alias *${node.source}: anchors and aliases are not supported (write the value, or use the shared load:)`);
      if (node.tag) reader.failAt(markLine(node, '!'), null, `tag ${node.tag}: tags are not supported (plain YAML only)`);
      if (node.anchor) reader.failAt(markLine(node, `&${node.anchor}`), null, `anchor &${node.anchor}: anchors and aliases are not supported (write the value, or use the shared load:)`);
    },
  });
}

class Reader {
  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
  ) {}

  line(node: Node): number {
    return this.lineAt(node.range?.[0] ?? 0);
  }

  lineAt(offset: number): number {
    return this.lines.linePos(offset).line;
  }

  fail(node: Node | null, path: string | null, message: string): never {
    this.failAt(node ? this.line(node) : null, path, message);
  }

  failAt(line: number | null, path: string | null, message: string): never {
    throw new ScenarioError(this.file, line, path, message);
  }

  /** The map's pairs by field name, refusing unknown and non-text keys. */
  fields(map: YAMLMap, path: string, allowed: readonly string[]): Map<string, { value: Node | null; keyNode: Node }> {
    const out = new Map<string, { value: Node | null; keyNode: Node }>();
    for (const pair of map.items) {
      const keyNode = pair.key as Node;
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string') this.fail(keyNode, path || null, `expected a field name, got ${describe(keyNode)}`);
      const name = keyNode.value as string;
      const at = join(path, name);
      if (!allowed.includes(name)) {
        const guess = closest(name, allowed);
        this.fail(keyNode, at, `unknown field${guess ? ` (did you mean ${guess}?)` : ''}; fields here: ${allowed.join(', ')}`);
      }
      out.set(name, { value: (pair.value as Node | null) ?? null, keyNode });
    }
    return out;
  }

  /** Where a field's value is, or its key when the value is empty. */
  at(field: { value: Node | null; keyNode: Node }): Node {
    return field.value ?? field.keyNode;
  }

  text(field: { value: Node | null; keyNode: Node }, path: string): string {
    const node = field.value;
    if (!isScalar(node) || typeof node.value !== 'string' || node.value.trim() === '') this.fail(this.at(field), path, `expected text, got ${describe(node)}`);
    return node.value as string;
  }

  number(node: Node | null, at: Node, path: string): number {
    if (!isScalar(node) || typeof node.value !== 'number' || !Number.isFinite(node.value)) this.fail(at, path, `expected a number, got ${describe(node)}`);
    return node.value as number;
  }
}

function join(path: string, name: string | number): string {
  return typeof name === 'number' ? `${path}[${name}]` : path ? `${path}.${name}` : name;
}

/** A value as the user wrote it, for "got …". */
function describe(node: Node | null | undefined): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    if (node.value === null) return 'nothing';
    if (typeof node.value === 'string') return JSON.stringify(node.value.length > 40 ? `${node.value.slice(0, 40)}…` : node.value);
    return String(node.value);
  }
  return 'a value';
}

/** The allowed name a typo most likely meant: same letters ignoring case and `-`/`_`, or 2 edits away. */
function closest(name: string, allowed: readonly string[]): string | null {
  const squash = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const same = allowed.find((a) => squash(a) === squash(name));
  if (same) return same;
  let best: { name: string; distance: number } | null = null;
  for (const candidate of allowed) {
    const distance = editDistance(squash(name), squash(candidate));
    if (distance <= 2 && (best === null || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name ?? null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

function readTop(map: YAMLMap, reader: Reader): Scenario {
  const fields = reader.fields(map, '', TOP_FIELDS);
  const name = fields.get('name');
  if (!name) reader.fail(map, 'name', 'missing: every scenario has a name');
  const description = fields.get('description');
  const load = fields.get('load');
  const shared = load ? readSharedLoad(load, reader) : { flags: {}, origins: {} };
  const entries = fields.get('entries');
  if (!entries) reader.fail(map, 'entries', 'missing: a list of runs (model, load, expect)');
  if (!isSeq(entries.value) || entries.value.items.length === 0) reader.fail(reader.at(entries), 'entries', `expected a list of at least one run, got ${describe(entries.value)}`);
  return {
    file: reader.file,
    name: reader.text(name, 'name'),
    description: description ? reader.text(description, 'description') : null,
    entries: entries.value.items.map((item, index) => readEntry(item as Node, index, shared, reader)),
  };
}

interface FlagSet {
  readonly flags: Partial<Record<FlagField, FlagValue>>;
  readonly origins: Partial<Record<FlagField, Origin>>;
}

function readSharedLoad(field: { value: Node | null; keyNode: Node }, reader: Reader): FlagSet {
  if (!isMap(field.value)) reader.fail(reader.at(field), 'load', `expected a map of load settings (${Object.keys(LOAD_FLAGS).join(', ')}), got ${describe(field.value)}`);
  return readFlags(reader.fields(field.value, 'load', Object.keys(LOAD_FLAGS)), 'load', reader);
}

function readFlags(fields: Map<string, { value: Node | null; keyNode: Node }>, path: string, reader: Reader): FlagSet {
  const flags: Partial<Record<FlagField, FlagValue>> = {};
  const origins: Partial<Record<FlagField, Origin>> = {};
  for (const [name, field] of fields) {
    if (!(name in FLAGS)) continue;
    const key = name as FlagField;
    const at = join(path, name);
    flags[key] = readFlagValue(key, field, at, reader);
    origins[key] = { path: at, line: reader.line(reader.at(field)) };
  }
  return { flags, origins };
}

/** Only what YAML can get wrong; ranges and combinations are parseCli's to judge. */
function readFlagValue(key: FlagField, field: { value: Node | null; keyNode: Node }, path: string, reader: Reader): FlagValue {
  const node = field.value;
  const value = isScalar(node) ? node.value : undefined;
  switch (FLAGS[key].kind) {
    case 'switch':
    case 'negated':
      if (typeof value !== 'boolean') reader.fail(reader.at(field), path, `expected true or false, got ${describe(node)}`);
      return value as boolean;
    case 'rate':
      if (value === true || typeof value === 'number' || (typeof value === 'string' && value !== '')) return value as FlagValue;
      return reader.fail(reader.at(field), path, `expected requests per second (or true, with ramp), got ${describe(node)}`);
    case 'value':
      if (typeof value === 'number' || (typeof value === 'string' && value !== '')) return value as FlagValue;
      return reader.fail(reader.at(field), path, `expected a value, got ${describe(node)}`);
  }
}

/**
 * The shared `load:` fills what an entry leaves out. An entry that says how much load
 * (requests, duration or ramp) replaces all three of the shared ones, since they exclude each
 * other; a ramp of connections also replaces the shared connections, which it sets itself.
 */
function mergeShared(shared: FlagSet, own: FlagSet): FlagSet {
  const amount: readonly LoadField[] = ['requests', 'duration', 'ramp'];
  const dropped = new Set<FlagField>();
  if (amount.some((f) => own.flags[f] !== undefined)) amount.forEach((f) => dropped.add(f));
  if (own.flags.ramp !== undefined && own.flags.rate === undefined && shared.flags.rate === undefined) dropped.add('connections');
  const flags: Partial<Record<FlagField, FlagValue>> = {};
  const origins: Partial<Record<FlagField, Origin>> = {};
  for (const key of Object.keys(shared.flags) as FlagField[]) {
    if (dropped.has(key)) continue;
    flags[key] = shared.flags[key];
    origins[key] = shared.origins[key];
  }
  return { flags: { ...flags, ...own.flags }, origins: { ...origins, ...own.origins } };
}

function readEntry(node: Node, index: number, shared: FlagSet, reader: Reader): ScenarioEntry {
  const path = join('entries', index);
  if (!isMap(node)) reader.fail(node, path, `expected a run (a map with model, its flags, the load, expect), got ${describe(node)}`);
  const fields = reader.fields(node, path, ENTRY_FIELDS);
  const model = fields.get('model');
  if (!model) reader.fail(node, join(path, 'model'), 'missing: which model to run');
  reader.text(model, join(path, 'model'));
  const label = fields.get('label');
  const expect = fields.get('expect');
  const own = readFlags(fields, path, reader);
  const merged = mergeShared(shared, own);
  return {
    index,
    line: reader.line(node),
    label: label ? reader.text(label, join(path, 'label')) : null,
    flags: merged.flags,
    origins: merged.origins,
    expect: expect ? readExpectations(expect, join(path, 'expect'), reader) : {},
  };
}

function readExpectations(field: { value: Node | null; keyNode: Node }, path: string, reader: Reader): Expectations {
  if (!isMap(field.value)) reader.fail(reader.at(field), path, `expected a map of expectations (${EXPECT_FIELDS.join(', ')}), got ${describe(field.value)}`);
  const out: Partial<Record<NumericExpectation, Bound>> & { insight?: InsightKind[]; noInsight?: InsightKind[] } = {};
  for (const [name, f] of reader.fields(field.value, path, EXPECT_FIELDS)) {
    const at = join(path, name);
    if (name === 'insight' || name === 'noInsight') out[name] = readKinds(f, at, reader);
    else out[name as NumericExpectation] = readBound(f, at, reader);
  }
  return out;
}

/** `5`, or `{ gte: 140, lte: 200 }`. */
function readBound(field: { value: Node | null; keyNode: Node }, path: string, reader: Reader): Bound {
  const node = field.value;
  if (isScalar(node)) return { eq: reader.number(node, node, path) };
  if (!isMap(node)) reader.fail(reader.at(field), path, `expected a number or a map of ${BOUND_FIELDS.join(', ')}, got ${describe(node)}`);
  const bound: { -readonly [K in keyof Bound]: number } = {};
  for (const [name, f] of reader.fields(node, path, BOUND_FIELDS)) bound[name as (typeof BOUND_FIELDS)[number]] = reader.number(f.value, reader.at(f), join(path, name));
  if (Object.keys(bound).length === 0) reader.fail(node, path, `expected at least one of ${BOUND_FIELDS.join(', ')}`);
  const low = Math.max(bound.gte ?? -Infinity, bound.gt ?? -Infinity);
  const high = Math.min(bound.lte ?? Infinity, bound.lt ?? Infinity);
  const touching = low === high && bound.gt === undefined && bound.lt === undefined;
  if (low > high || (low === high && !touching)) reader.fail(node, path, 'no number satisfies these bounds');
  return bound;
}

/** One kind or a list of them. */
function readKinds(field: { value: Node | null; keyNode: Node }, path: string, reader: Reader): InsightKind[] {
  const node = field.value;
  const items = isSeq(node) ? (node.items as Node[]) : [node];
  if (isSeq(node) && items.length === 0) reader.fail(node, path, 'expected at least one insight kind');
  return items.map((item, i) => {
    const at = isSeq(node) ? join(path, i) : path;
    const value = isScalar(item) ? item.value : undefined;
    if (typeof value !== 'string' || isCollection(item)) return reader.fail(item ?? field.keyNode, at, `expected an insight kind (${INSIGHT_KINDS.join(', ')}), got ${describe(item)}`);
    if (!(INSIGHT_KINDS as readonly string[]).includes(value)) {
      const guess = closest(value, INSIGHT_KINDS);
      return reader.fail(item, at, `unknown insight kind ${JSON.stringify(value)}${guess ? ` (did you mean ${guess}?)` : ''}; kinds: ${INSIGHT_KINDS.join(', ')}`);
    }
    return value as InsightKind;
  });
}
