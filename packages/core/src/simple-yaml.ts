/**
 * A fast reader for the plain YAML scenarios are written in: block mappings and sequences, one-line scalars (plain,
 * single- or double-quoted), one-line flow collections, literal and folded block scalars, comments. What it reads,
 * it reads as `yaml` does: the same values (plain scalars resolved by `yaml`'s own core-schema tags) and the same
 * positions. Anything else it gives up on (`undefined`): anchors, aliases, tags, directives, multi-line plain or
 * quoted scalars and flows, tabs, duplicate keys, non-string keys, and anything `yaml` would report. The loader
 * then parses the source with `yaml`, which words every problem. Parsing with `yaml` was more than half of what
 * validating a thousand scenarios cost; this reader is a small fraction of it.
 */
import { Schema, isScalar } from 'yaml';
import type { Position, Positions } from './positions';

/** A value's place in the source, and those of its children (by key for a mapping, by index for a list). */
interface Spot {
  offset: number;
  children?: Map<string, Spot> | Spot[];
}

interface Read {
  value: unknown;
  spot: Spot;
  /** The first line after the value (block values), or the offset after it (one-line values). */
  next: number;
}

/** What {@link readSimpleYaml} returns: the document's value (a mapping) and where each of its values starts. */
export interface SimpleYaml {
  value: Record<string, unknown>;
  positions: Positions;
}

interface CoreTag {
  default?: boolean | 'key';
  test?: RegExp;
  resolve(value: string, onError: (message: string) => void, options: { intAsBigInt: boolean }): unknown;
}

// The tags `yaml` tries, in its order, on a plain scalar of the core schema (YAML 1.2): null, booleans, numbers.
const CORE_TAGS = (new Schema({}).tags as unknown as CoreTag[]).filter((tag) => tag.default === true && tag.test);
const RESOLVE_OPTIONS = { intAsBigInt: false };
const MAY_NOT_BE_TEXT = new Set('~nNtTfF0123456789+-.');

/** Control characters, C1 codes, line and paragraph separators, a byte order mark, tabs, carriage returns. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const UNREAD_CHARACTERS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};
const HEX = /^[0-9a-fA-F]+$/;

// Thrown (never seen outside) when the source leaves the subset; an object without a stack costs nothing to throw.
const GIVE_UP = { giveUp: true };
function giveUp(): never {
  throw GIVE_UP;
}

const SPACE = 32;
const BLANK = 0;
const COMMENT = 1;
const CONTENT = 2;

/**
 * Reads `source` if it is within the subset this module reads (see above), else `undefined`. `limits` bound the
 * values and the nesting it reads; it gives up well before either (half of each), so that `yaml` and the input
 * guard decide every case near a limit.
 */
export function readSimpleYaml(source: string, limits: { maxNodes: number; maxDepth: number }): SimpleYaml | undefined {
  if (UNREAD_CHARACTERS.test(source)) return undefined;
  try {
    return new Reader(source, limits).read();
  } catch {
    // GIVE_UP, or anything unexpected (a bug here must not fail a scenario that yaml reads): yaml reads it.
    return undefined;
  }
}

class Reader {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly indents: number[] = [];
  private readonly kinds: number[] = [];
  private nodes = 0;
  private readonly maxNodes: number;
  private readonly maxDepth: number;

  constructor(
    private readonly source: string,
    limits: { maxNodes: number; maxDepth: number },
  ) {
    this.maxNodes = Math.floor(limits.maxNodes / 2);
    this.maxDepth = Math.floor(limits.maxDepth / 2);
    let start = 0;
    while (start < source.length) {
      let end = source.indexOf('\n', start);
      if (end === -1) end = source.length;
      let i = start;
      while (i < end && source.charCodeAt(i) === SPACE) i++;
      const kind = i === end ? BLANK : source[i] === '#' ? COMMENT : CONTENT;
      // Directives and document markers (`%YAML`, `---`, `...`).
      if (i === start && kind === CONTENT && (source[i] === '%' || source.startsWith('---', i) || source.startsWith('...', i))) giveUp();
      this.starts.push(start);
      this.ends.push(end);
      this.indents.push(i - start);
      this.kinds.push(kind);
      start = end + 1;
    }
  }

  read(): SimpleYaml {
    const first = this.nextContent(0);
    if (first === -1 || this.indents[first] !== 0 || this.isSeqLine(first)) giveUp();
    const root = this.blockMap(first, 0, this.starts[first]!, 1);
    if (this.nextContent(root.next) !== -1) giveUp();
    return { value: root.value as Record<string, unknown>, positions: new SpotPositions(root.spot, this.starts) };
  }

  private count(depth: number): void {
    if (++this.nodes > this.maxNodes || depth > this.maxDepth) giveUp();
  }

  /** The first line from `line` on that is neither blank nor a comment, or -1. */
  private nextContent(line: number): number {
    for (let l = line; l < this.kinds.length; l++) if (this.kinds[l] === CONTENT) return l;
    return -1;
  }

  /** `true` when the line's content starts with `- ` (or is `-`): an item of a block sequence. */
  private isSeqLine(line: number): boolean {
    const at = this.starts[line]! + this.indents[line]!;
    return this.source[at] === '-' && (at + 1 === this.ends[line] || this.source.charCodeAt(at + 1) === SPACE);
  }

  private skipSpaces(at: number, end: number): number {
    while (at < end && this.source.charCodeAt(at) === SPACE) at++;
    return at;
  }

  /** A mapping or a list whose first line is `line`. */
  private blockNode(line: number, depth: number): Read {
    const column = this.indents[line]!;
    return this.isSeqLine(line) ? this.blockSeq(line, column, depth) : this.blockMap(line, column, this.starts[line]! + column, depth);
  }

  /** A block mapping whose keys are at `column`, the first one at offset `at` of `line`. */
  private blockMap(line: number, column: number, at: number, depth: number): Read {
    this.count(depth);
    const value: Record<string, unknown> = {};
    const children = new Map<string, Spot>();
    for (let l = line, p = at; ; ) {
      const end = this.ends[l]!;
      const key = this.key(p, end) ?? giveUp();
      if (children.has(key.key)) giveUp();
      const entry = this.value(l, key.after, end, column, depth + 1, true);
      value[key.key] = entry.value;
      children.set(key.key, entry.spot);
      const next = this.nextContent(entry.next);
      if (next === -1 || this.indents[next]! < column) return { value, spot: { offset: at, children }, next: entry.next };
      if (this.indents[next]! > column || this.isSeqLine(next)) giveUp();
      l = next;
      p = this.starts[next]! + column;
    }
  }

  /** A block sequence whose dashes are at `column`, from `line` on. */
  private blockSeq(line: number, column: number, depth: number): Read {
    this.count(depth);
    const value: unknown[] = [];
    const children: Spot[] = [];
    const at = this.starts[line]! + column;
    for (let l = line; ; ) {
      const end = this.ends[l]!;
      const p = this.skipSpaces(this.starts[l]! + column + 1, end);
      let item: Read;
      if (p === end) {
        const next = this.nextContent(l + 1);
        if (next !== -1 && this.indents[next]! > column) item = this.blockNode(next, depth + 1);
        else item = this.empty(l, p, depth + 1);
      } else if (this.source[p] === '#' || (this.source[p] === '-' && (p + 1 === end || this.source.charCodeAt(p + 1) === SPACE))) {
        giveUp(); // `- # comment` before the item, `- - x`
      } else if (this.key(p, end)) {
        item = this.blockMap(l, p - this.starts[l]!, p, depth + 1);
      } else {
        item = this.value(l, p, end, column, depth + 1, false);
      }
      value.push(item.value);
      children.push(item.spot);
      const next = this.nextContent(item.next);
      if (next === -1 || this.indents[next]! < column || (this.indents[next] === column && !this.isSeqLine(next))) return { value, spot: { offset: at, children }, next: item.next };
      if (this.indents[next]! > column) giveUp();
      l = next;
    }
  }

  private empty(line: number, at: number, depth: number): Read {
    this.count(depth);
    return { value: null, spot: { offset: at }, next: line + 1 };
  }

  /**
   * The value after a key's `:` or a dash, from offset `at` of `line`; `column` is where the keys or the dashes of
   * its collection are.
   */
  private value(line: number, at: number, end: number, column: number, depth: number, inMap: boolean): Read {
    const p = this.skipSpaces(at, end);
    const source = this.source;
    if (p === end || source[p] === '#') {
      // Nothing more on this line: the value is on the next ones, or empty.
      const next = this.nextContent(line + 1);
      if (next !== -1 && this.indents[next]! > column) return this.blockNode(next, depth);
      if (inMap && next !== -1 && this.indents[next] === column && this.isSeqLine(next)) return this.blockSeq(next, column, depth);
      return this.empty(line, p, depth);
    }
    const c = source[p]!;
    if (c === '|' || c === '>') return this.blockScalar(line, p, end, column, depth);
    let read: { value: unknown; end: number; spot: Spot };
    if (c === '[' || c === '{') read = this.flow(p, end, depth);
    else if (c === '"' || c === "'") {
      this.count(depth);
      read = { ...this.quoted(p, end), spot: { offset: p } };
    } else {
      if (startsNoPlainScalar(source, p, end)) giveUp();
      let textEnd = end;
      for (let i = p + 1; i < end; i++) {
        if (source[i] === '#' && source.charCodeAt(i - 1) === SPACE) {
          textEnd = i;
          break;
        }
      }
      while (source.charCodeAt(textEnd - 1) === SPACE) textEnd--;
      const text = source.slice(p, textEnd);
      if (text.includes(': ') || text.endsWith(':')) giveUp(); // a mapping where a scalar is, which `yaml` refuses
      this.count(depth);
      read = { value: plainScalar(text), end: textEnd, spot: { offset: p } };
    }
    const rest = this.skipSpaces(read.end, end);
    if (rest !== end && !(source[rest] === '#' && rest > read.end)) giveUp();
    // A more indented line after a one-line value continues it (a multi-line scalar) or is an error.
    for (let l = line + 1; l < this.kinds.length; l++) {
      if (this.kinds[l] === BLANK) continue;
      if (this.indents[l]! > column) giveUp();
      break;
    }
    return { value: read.value, spot: read.spot, next: line + 1 };
  }

  /**
   * A key and its `:` from offset `at`: `{ key, after }` (the offset after the colon), or `undefined` when the
   * line holds no key there (a scalar or a flow collection).
   */
  private key(at: number, end: number): { key: string; after: number } | undefined {
    const source = this.source;
    const c = source[at]!;
    if (c === '[' || c === '{' || c === '|' || c === '>') return undefined;
    let key: string;
    let colon: number;
    if (c === '"' || c === "'") {
      const quoted = this.quoted(at, end);
      colon = this.skipSpaces(quoted.end, end);
      if (source[colon] !== ':' || !(colon + 1 === end || source.charCodeAt(colon + 1) === SPACE)) return undefined;
      key = quoted.value;
    } else {
      colon = -1;
      for (let i = at; i < end; i++) {
        const ch = source[i];
        if (ch === ':' && (i + 1 === end || source.charCodeAt(i + 1) === SPACE)) {
          colon = i;
          break;
        }
        if (ch === '#' && i > at && source.charCodeAt(i - 1) === SPACE) return undefined;
      }
      if (colon === -1) return undefined;
      let keyEnd = colon;
      while (source.charCodeAt(keyEnd - 1) === SPACE) keyEnd--;
      key = source.slice(at, keyEnd);
      if (key === '' || startsNoPlainScalar(source, at, keyEnd) || c === '-' || /[[\]{},#]/.test(key)) giveUp();
      if (plainScalar(key) !== key) giveUp(); // `1:`, `true:`, `null:`: keys that are not strings
    }
    if (key === '__proto__' || key === '<<' || colon - at > 1000) giveUp();
    return { key, after: colon + 1 };
  }

  /** A single- or double-quoted scalar that ends on its line. */
  private quoted(at: number, end: number): { value: string; end: number } {
    const source = this.source;
    if (source[at] === "'") {
      for (let i = at + 1; ; ) {
        const close = source.indexOf("'", i);
        if (close === -1 || close >= end) giveUp();
        if (source[close + 1] === "'") {
          i = close + 2;
          continue;
        }
        return { value: source.slice(at + 1, close).replaceAll("''", "'"), end: close + 1 };
      }
    }
    let value = '';
    let from = at + 1;
    for (let i = from; i < end; ) {
      const ch = source[i];
      if (ch === '"') return { value: value + source.slice(from, i), end: i + 1 };
      if (ch !== '\\') {
        i++;
        continue;
      }
      value += source.slice(from, i);
      const escape = source[i + 1]!;
      if (i + 1 >= end) giveUp();
      const simple = Object.hasOwn(ESCAPES, escape) ? ESCAPES[escape] : undefined;
      if (simple !== undefined) {
        value += simple;
        i += 2;
      } else if (escape === 'x' || escape === 'u' || escape === 'U') {
        const length = escape === 'x' ? 2 : escape === 'u' ? 4 : 8;
        const hex = source.slice(i + 2, i + 2 + length);
        if (i + 2 + length > end || hex.length !== length || !HEX.test(hex)) giveUp();
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) giveUp();
        value += String.fromCodePoint(code);
        i += 2 + length;
      } else giveUp();
      from = i;
    }
    return giveUp();
  }

  /** A flow sequence or mapping that ends on its line. */
  private flow(at: number, end: number, depth: number): { value: unknown; end: number; spot: Spot } {
    this.count(depth);
    const source = this.source;
    const close = source[at] === '[' ? ']' : '}';
    let i = this.skipSpaces(at + 1, end);
    if (close === ']') {
      const value: unknown[] = [];
      const children: Spot[] = [];
      if (source[i] === ']') return { value, end: i + 1, spot: { offset: at, children } };
      for (;;) {
        const item = this.flowItem(i, end, depth + 1);
        value.push(item.value);
        children.push(item.spot);
        i = this.skipSpaces(item.end, end);
        if (source[i] === ']') return { value, end: i + 1, spot: { offset: at, children } };
        if (source[i] !== ',') giveUp();
        i = this.skipSpaces(i + 1, end);
        if (source[i] === ']') giveUp(); // a trailing comma
      }
    }
    const value: Record<string, unknown> = {};
    const children = new Map<string, Spot>();
    if (source[i] === '}') return { value, end: i + 1, spot: { offset: at, children } };
    for (;;) {
      let key: string;
      let keyEnd: number;
      if (source[i] === '"' || source[i] === "'") {
        const quoted = this.quoted(i, end);
        key = quoted.value;
        keyEnd = quoted.end;
      } else {
        keyEnd = i;
        while (keyEnd < end && !':,[]{}#'.includes(source[keyEnd]!)) keyEnd++;
        while (source.charCodeAt(keyEnd - 1) === SPACE) keyEnd--;
        key = source.slice(i, keyEnd);
        if (key === '' || startsNoPlainScalar(source, i, keyEnd) || source[i] === '-' || plainScalar(key) !== key) giveUp();
      }
      const colon = this.skipSpaces(keyEnd, end);
      if (source[colon] !== ':' || source.charCodeAt(colon + 1) !== SPACE) giveUp();
      if (key === '__proto__' || key === '<<' || children.has(key)) giveUp();
      const item = this.flowItem(this.skipSpaces(colon + 1, end), end, depth + 1);
      value[key] = item.value;
      children.set(key, item.spot);
      i = this.skipSpaces(item.end, end);
      if (source[i] === '}') return { value, end: i + 1, spot: { offset: at, children } };
      if (source[i] !== ',') giveUp();
      i = this.skipSpaces(i + 1, end);
      if (source[i] === '}') giveUp(); // a trailing comma
    }
  }

  private flowItem(at: number, end: number, depth: number): { value: unknown; end: number; spot: Spot } {
    const source = this.source;
    const c = source[at];
    if (c === '[' || c === '{') return this.flow(at, end, depth);
    this.count(depth);
    if (c === '"' || c === "'") return { ...this.quoted(at, end), spot: { offset: at } };
    if (at >= end || startsNoPlainScalar(source, at, end) || c === '|' || c === '>') giveUp();
    let textEnd = at;
    while (textEnd < end && !',[]{}'.includes(source[textEnd]!)) {
      // `:` inside a plain scalar is text before a character that could go on one (`http://h:1`), else an
      // implicit key; `#` after a space starts a comment, which would leave the flow unclosed.
      if (source[textEnd] === ':' && (textEnd + 1 === end || ' ,[]{}'.includes(source[textEnd + 1]!))) giveUp();
      if (source[textEnd] === '#' && source.charCodeAt(textEnd - 1) === SPACE) giveUp();
      textEnd++;
    }
    while (source.charCodeAt(textEnd - 1) === SPACE) textEnd--;
    return { value: plainScalar(source.slice(at, textEnd)), end: textEnd, spot: { offset: at } };
  }

  /**
   * A literal (`|`) or folded (`>`) block scalar whose header is at `at`, with an optional chomping indicator;
   * its lines are indented alike (a more indented line keeps its line break and indentation: not read here).
   */
  private blockScalar(line: number, at: number, end: number, column: number, depth: number): Read {
    this.count(depth);
    const source = this.source;
    const folded = source[at] === '>';
    let p = at + 1;
    const chomp = source[p] === '-' || source[p] === '+' ? source[p++] : '';
    const rest = this.skipSpaces(p, end);
    if (rest !== end && !(source[rest] === '#' && rest > p)) giveUp();
    const texts: (string | undefined)[] = [];
    let indent = -1;
    let leadingBlank = 0;
    let l = line + 1;
    for (; l < this.kinds.length; l++) {
      const lineIndent = this.indents[l]!;
      if (this.starts[l]! + lineIndent === this.ends[l]) {
        // A blank line (spaces only): an empty line of the scalar, unless it has spaces beyond the indentation.
        if (indent === -1) leadingBlank = Math.max(leadingBlank, lineIndent);
        else if (lineIndent > indent) giveUp();
        texts.push(undefined);
        continue;
      }
      if (indent === -1) {
        if (lineIndent <= column) break;
        indent = lineIndent;
        if (leadingBlank > indent) giveUp();
      } else if (lineIndent < indent) break;
      else if (lineIndent > indent) giveUp();
      texts.push(source.slice(this.starts[l]! + indent, this.ends[l]));
    }
    if (indent === -1 || (l === this.kinds.length && !source.endsWith('\n'))) giveUp();
    let last = texts.length - 1;
    while (texts[last] === undefined) last--;
    const trailing = texts.length - 1 - last;
    let body = '';
    if (!folded) body = texts.slice(0, last + 1).map((text) => text ?? '').join('\n');
    else {
      let breaks = 0;
      let started = false;
      for (let i = 0; i <= last; i++) {
        const text = texts[i];
        if (text === undefined) {
          breaks++;
          continue;
        }
        body += started ? (breaks ? '\n'.repeat(breaks) : ' ') : '\n'.repeat(breaks);
        body += text;
        started = true;
        breaks = 0;
      }
    }
    const value = chomp === '-' ? body : chomp === '+' ? body + '\n'.repeat(trailing + 1) : `${body}\n`;
    return { value, spot: { offset: at }, next: l };
  }
}

/** `true` when a plain scalar cannot start at `at` (an indicator character, or `-`, `?`, `:` before a space). */
function startsNoPlainScalar(source: string, at: number, end: number): boolean {
  const c = source[at]!;
  if ('-?:'.includes(c)) return c !== '-' || at + 1 === end || source.charCodeAt(at + 1) === SPACE;
  return ',[]{}#&*!|>\'"%@`'.includes(c);
}

/** A plain scalar's value as `yaml` resolves it with the core schema: null, a boolean, a number, or the text. */
function plainScalar(text: string): unknown {
  // Every core tag's pattern starts with one of these (`~`, null, true/false, digits, signs, `.inf`/`.nan`): most
  // scalars and keys are words, and skip the patterns.
  if (!MAY_NOT_BE_TEXT.has(text[0]!)) return text;
  for (const tag of CORE_TAGS) {
    if (!tag.test!.test(text)) continue;
    let failed = false;
    const resolved = tag.resolve(text, () => (failed = true), RESOLVE_OPTIONS);
    if (failed) giveUp();
    return isScalar(resolved) ? resolved.value : resolved;
  }
  return text;
}

/** {@link Positions} over the spots {@link Reader} recorded. */
class SpotPositions implements Positions {
  constructor(
    private readonly root: Spot,
    private readonly lineStarts: readonly number[],
  ) {}

  at(offset: number): Position {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - (this.lineStarts[low] ?? 0) + 1 };
  }

  /** As {@link PositionFinder.find}: the value at `path`, or the deepest one that exists (keys are not recorded). */
  find(path: readonly PropertyKey[]): Position {
    let spot = this.root;
    for (const segment of path) {
      const { children } = spot;
      if (children instanceof Map) {
        if (typeof segment === 'number') {
          // A single mapping given where a list is accepted is a list of one.
          if (segment === 0) continue;
          break;
        }
        const child = children.get(String(segment));
        if (!child) break;
        spot = child;
      } else if (children) {
        const child = children[Number(segment)];
        if (!child) break;
        spot = child;
      } else break;
    }
    return this.at(spot.offset);
  }

  isQuoted(): boolean {
    return false;
  }
}
