/**
 * Edits to a YAML file's text at the positions its parsed Document gives (`node.range`): everything outside the
 * edited nodes (comments, blank lines, key order, quoting, flow or block style, line numbers) stays byte for
 * byte, so a mutant reads like its scenario and results point at the same lines.
 */
import { isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from '@tester/core/yaml';

/** A set of non-overlapping replacements of the original text, applied at once. */
export class SourceEdits {
  private readonly edits: { start: number; end: number; text: string }[] = [];

  constructor(readonly source: string) {}

  replace(start: number, end: number, text: string): void {
    this.edits.push({ start, end, text });
  }

  insert(at: number, text: string): void {
    this.replace(at, at, text);
  }

  /** The text with every edit applied. */
  apply(): string {
    const sorted = [...this.edits].sort((a, b) => b.start - a.start || b.end - a.end);
    let out = this.source;
    let floor = Number.POSITIVE_INFINITY;
    for (const e of sorted) {
      if (e.end > floor) throw new Error('source edits overlap');
      out = out.slice(0, e.start) + e.text + out.slice(e.end);
      floor = e.start;
    }
    return out;
  }
}

const rangeOf = (node: Node): [number, number] => {
  const r = node.range;
  if (!r) throw new Error('a node without a source range');
  return [r[0], r[1]];
};

/** The source text of a node as written. */
export function sourceOf(source: string, node: Node): string {
  const [start, end] = rangeOf(node);
  return source.slice(start, end);
}

/** Whether `text` reads back, as a plain scalar value, as the string `value`. */
function plainRoundTrips(text: string, value: string): boolean {
  if (text === '' || /^\s|\s$|\n/.test(text)) return false;
  const doc = parseDocument(`k: ${text}\n`);
  return doc.errors.length === 0 && doc.get('k') === value;
}

/**
 * How `value` is written in place of `scalar`, in the scalar's own style: double- or single-quoted if it was,
 * else plain when the value reads back unchanged as plain, else single-quoted.
 */
export function scalarText(scalar: Scalar, value: unknown): string {
  if (typeof value !== 'string') return String(value);
  if (scalar.type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (scalar.type === 'QUOTE_SINGLE' || !plainRoundTrips(value, value)) return `'${value.replace(/'/g, "''")}'`;
  return value;
}

/** A small value in the flow style the seed scenarios use: `[a, b]`, `{ by: [system] }`, plain scalars. */
export function flowText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flowText).join(', ')}]`;
  if (value && typeof value === 'object') return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${flowText(v)}`).join(', ')} }`;
  if (typeof value === 'string' && !plainRoundTrips(value, value)) return JSON.stringify(value);
  return String(value);
}

/** Replaces a value node (a scalar keeps its quoting style; anything else becomes flow text). */
export function setNode(edits: SourceEdits, node: Node, value: unknown): void {
  const [start, end] = rangeOf(node);
  const composite = value !== null && typeof value === 'object';
  edits.replace(start, end, isScalar(node) && !composite ? scalarText(node, value) : flowText(value));
}

/** Renames a key in place. */
export function renameKey(edits: SourceEdits, pair: Pair): (to: string) => void {
  return (to) => {
    const [start, end] = rangeOf(pair.key as Node);
    edits.replace(start, end, scalarText(pair.key as Scalar, to));
  };
}

/** Reorders a sequence's items in place: item i becomes the source text of item `order[i]`. */
export function reorder(edits: SourceEdits, seq: YAMLSeq, order: readonly number[]): void {
  const texts = seq.items.map((n) => sourceOf(edits.source, n as Node));
  seq.items.forEach((n, i) => {
    const [start, end] = rangeOf(n as Node);
    edits.replace(start, end, texts[order[i] as number] as string);
  });
}

const lineStart = (text: string, at: number) => text.lastIndexOf('\n', at - 1) + 1;
const lineEnd = (text: string, at: number) => {
  const i = text.indexOf('\n', at);
  return i === -1 ? text.length : i;
};

/** Appends an item to a sequence: `, X` in a flow sequence, a `- X` line in a block one. */
export function append(edits: SourceEdits, seq: YAMLSeq, value: unknown): void {
  const last = seq.items.at(-1) as Node | undefined;
  if (!last) throw new Error('append to an empty sequence');
  const [start, end] = rangeOf(last);
  if (seq.flow) {
    edits.insert(end, `, ${flowText(value)}`);
    return;
  }
  const prefix = edits.source.slice(lineStart(edits.source, start), start);
  edits.insert(lineEnd(edits.source, end), `\n${prefix}${flowText(value)}`);
}

/** Deletes a key and its value: its lines in a block mapping, `k: v` and a comma in a flow one. */
export function deletePair(edits: SourceEdits, map: YAMLMap, pair: Pair): void {
  const { source } = edits;
  const [start] = rangeOf(pair.key as Node);
  const end = pair.value ? rangeOf(pair.value as Node)[1] : rangeOf(pair.key as Node)[1];
  if (!map.flow) {
    const from = lineStart(source, start);
    if (source.slice(from, start).trim() === '') {
      edits.replace(from, Math.min(source.length, lineEnd(source, end) + 1), '');
      return;
    }
    // The item's first key, after its `- `: the next key moves up to take its place.
    const next = map.items[map.items.indexOf(pair) + 1];
    if (!next) throw new Error('cannot delete the only key of an item');
    edits.replace(start, rangeOf(next.key as Node)[0], '');
    return;
  }
  const after = /^\s*,\s*/.exec(source.slice(end));
  if (after) edits.replace(start, end + after[0].length, '');
  else {
    const before = /,\s*$/.exec(source.slice(0, start));
    edits.replace(before ? start - before[0].length : start, end, '');
  }
}

export { isMap, isSeq };
