/**
 * Bounds on what the loaders read, so that no input file can hang the tester, exhaust its memory or overflow its
 * stack: only regular files, of a bounded size; YAML documents of bounded depth and size (aliases expanded), with
 * no alias that contains itself, no tag the parser could not resolve, and no `__proto__` key. The scenario loader
 * and the CLI's config loader both use it.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { type Document, type Node, isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import { errorMessage } from './errors';

/** The limits every scenario and config file is held to (documented in the packages' READMEs, "Limits"). */
export const INPUT_LIMITS = {
  /** The largest scenario or config file read, in bytes: 256 KiB. */
  maxBytes: 256 * 1024,
  /** The most values (scalars, mappings, lists; aliases expanded) a YAML document may hold. */
  maxNodes: 10_000,
  /** The deepest nesting of mappings and lists. */
  maxDepth: 64,
  /** The most alias expansions (`*name`) a YAML document may use. */
  maxAliases: 100,
  /** Problems listed per file; the rest are counted. */
  maxProblems: 50,
  /** The longest problem message, in characters. */
  maxMessage: 500,
} as const;

/** Either the text of a file, or why it was not read. */
export type ReadResult = { ok: true; text: string } | { ok: false; message: string };

function kindOf(stats: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a text file of at most `maxBytes` bytes. Refuses anything but a regular file (a FIFO would block forever,
 * a symlink to `/dev/zero` never ends) without blocking on it: the file is opened non-blocking and checked on the
 * open handle, and never more than `maxBytes + 1` bytes are read.
 *
 * The calls are synchronous on purpose: a scenario is a small regular file, read in a few system calls, and the
 * thread-pool round trips of the asynchronous calls cost ten times the reading itself (a thousand scenarios
 * spent more time waiting on them than parsing).
 */
export async function readTextFile(file: string, maxBytes: number = INPUT_LIMITS.maxBytes): Promise<ReadResult> {
  return readTextFileNow(file, maxBytes);
}

function readTextFileNow(file: string, maxBytes: number): ReadResult {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { ok: false, message: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a file' : errorMessage(error) };
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) return { ok: false, message: 'is a directory, expected a file' };
    if (!stats.isFile()) return { ok: false, message: `is ${kindOf(stats)}: only regular files are read` };
    if (stats.size > maxBytes) return { ok: false, message: `is ${stats.size} bytes; at most ${maxBytes} bytes (${maxBytes / 1024} KiB) are read: split it` };
    // Sized from the file (one byte more, to see it end), not from the limit: a buffer of the limit per file was
    // most of the garbage a large validate made.
    let buffer = Buffer.allocUnsafe(stats.size + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        // Longer than its size said (it grew, or it reports none, as /proc files do): read on in a larger buffer.
        const larger = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(2 * buffer.length, 4096)));
        buffer.copy(larger, 0, 0, length);
        buffer = larger;
      }
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) return { ok: false, message: `grew past ${maxBytes} bytes while being read: split it` };
      // Exactly its size, and the read stopped short of the buffer: the end, without one more read to be told so.
      if (length === stats.size && length < buffer.length) break;
    }
    return { ok: true, text: buffer.toString('utf8', 0, length) };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { ok: false, message: code === 'EISDIR' ? 'is a directory, expected a file' : errorMessage(error) };
  } finally {
    try {
      closeSync(fd);
    } catch {
      // Nothing to do about a descriptor that will not close; what was read stands.
    }
  }
}

/**
 * A linear pre-scan of YAML source for nesting deeper than `maxDepth` — flow collections (`[[[[`, `{a: {a: …`) and
 * compact sequences (`- - - -`) — before the parser sees it: the parser recurses per level and, on a document
 * with many such lines, overflows its stack once per line (seconds per file). Approximate by design (it lexes
 * quotes and comments, not all of YAML); what it misses, {@link documentProblems} still refuses after parsing.
 * Returns the offset where the limit is passed, or `undefined`.
 */
export function deepNestingOffset(source: string, maxDepth: number = INPUT_LIMITS.maxDepth): number | undefined {
  if (!mayNestDeeperThan(source, maxDepth)) return undefined;
  let flow = 0;
  let valueStart = true;
  let lineStart = true;
  let indent = 0;
  /** Set inside a block scalar (`|`, `>`): the indentation of the line that opened it. */
  let scalarParent: number | undefined;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\n') {
      lineStart = true;
      if (flow === 0) valueStart = true;
      continue;
    }
    if (lineStart && flow === 0) {
      let j = i;
      while (source[j] === ' ') j++;
      const blank = source[j] === '\n' || source[j] === undefined;
      if (scalarParent !== undefined && (blank || j - i > scalarParent)) {
        // A line of a block scalar: text, whatever it looks like.
        while (i + 1 < source.length && source[i + 1] !== '\n') i++;
        continue;
      }
      scalarParent = undefined;
      indent = j - i;
      // Compact sequence entries: `- - - x` nests one level per dash.
      let dashes = 0;
      for (;;) {
        while (source[j] === ' ' || source[j] === '\t') j++;
        if (source[j] === '-' && (source[j + 1] === ' ' || source[j + 1] === '\t')) {
          dashes++;
          j += 2;
          if (dashes > maxDepth) return j;
        } else break;
      }
      lineStart = false;
      i = j - 1;
      valueStart = true;
      continue;
    }
    lineStart = false;
    if (c === '#' && (i === 0 || /\s/.test(source[i - 1]!))) {
      while (i + 1 < source.length && source[i + 1] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'") {
      if (flow === 0 && !valueStart) continue; // a quote inside a plain scalar
      for (i++; i < source.length; i++) {
        if (c === '"' && source[i] === '\\') i++;
        else if (source[i] === c) {
          if (c === "'" && source[i + 1] === "'") i++;
          else break;
        }
      }
      valueStart = false;
      continue;
    }
    if (flow > 0) {
      if (c === '[' || c === '{') {
        if (++flow > maxDepth) return i;
      } else if (c === ']' || c === '}') flow--;
      continue;
    }
    if (c === ' ' || c === '\t') continue;
    if (valueStart && (c === '[' || c === '{')) {
      flow = 1;
      continue;
    }
    if (valueStart && (c === '|' || c === '>')) {
      scalarParent = indent;
      while (i + 1 < source.length && source[i + 1] !== '\n') i++;
      continue;
    }
    // A plain scalar (or a key): a value may start again after `: ` or `- `.
    valueStart = (c === ':' || c === '-' || c === '?') && (source[i + 1] === ' ' || source[i + 1] === '\t' || source[i + 1] === '\n' || source[i + 1] === undefined);
  }
  return undefined;
}

/**
 * What {@link deepNestingOffset} can find needs more than `maxDepth` brackets (`[`, `{`) in all, or more than
 * `maxDepth` dashes on one line: counting them is several times cheaper than lexing, and almost every file has
 * neither.
 */
function mayNestDeeperThan(source: string, maxDepth: number): boolean {
  let brackets = 0;
  let dashes = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 10) dashes = 0;
    else if (c === 45) {
      if (++dashes > maxDepth) return true;
    } else if ((c === 91 || c === 123) && ++brackets > maxDepth) return true;
  }
  return false;
}

/** A problem in a YAML document's structure: where (a source offset), the field path, and what is wrong. */
export interface StructureProblem {
  offset: number;
  path: PropertyKey[];
  /** Points at a key (its path's last segment) rather than at a value. */
  atKey?: boolean;
  message: string;
  /** `true` when the document must not be converted to values (a cycle, a bomb, a reinterpreted tag). */
  fatal: boolean;
}

interface Frame {
  node: Node;
  depth: number;
  path: PropertyKey[];
  /** The path was reached through an alias: positions are the alias's. */
  via?: number;
}

/**
 * Walks a parsed YAML document (aliases expanded, iteratively: a deep document cannot overflow the stack) and
 * returns what makes it unsafe or ambiguous to read: tags the parser could not resolve (`!!null x` would silently
 * become "x"), aliases that contain themselves (`&r [*r]`), `__proto__` keys, keys that are lists or mappings, nesting deeper than
 * {@link INPUT_LIMITS.maxDepth}, more than {@link INPUT_LIMITS.maxNodes} values or {@link INPUT_LIMITS.maxAliases}
 * aliases. When this returns nothing, `document.toJS()` is bounded and acyclic.
 */
export function documentProblems(document: Document, limits: Partial<typeof INPUT_LIMITS> = {}): StructureProblem[] {
  const { maxNodes, maxDepth, maxAliases } = { ...INPUT_LIMITS, ...limits };
  const problems: StructureProblem[] = [];
  for (const warning of document.warnings) {
    const what = warning.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const fix = warning.code === 'TAG_RESOLVE_FAILED' ? ': remove the tag (quote the value if it is text)' : '';
    problems.push({ offset: warning.pos[0], path: [], message: `YAML: ${what}${fix}`, fatal: true });
  }
  const root = document.contents as Node | null;
  if (!root) return problems;
  const stack: Frame[] = [{ node: root, depth: 0, path: [] }];
  let nodes = 0;
  let aliases = 0;
  while (stack.length > 0) {
    const { node, depth, path, via } = stack.pop()!;
    const offset = via ?? node.range?.[0] ?? 0;
    if (++nodes > maxNodes) {
      problems.push({ offset, path, message: `the document holds more than ${maxNodes} values (aliases expanded); at most ${maxNodes} are accepted: split it`, fatal: true });
      break;
    }
    if (depth > maxDepth) {
      problems.push({ offset, path, message: `nested more than ${maxDepth} levels deep; at most ${maxDepth} are accepted`, fatal: true });
      break;
    }
    if (isAlias(node)) {
      if (++aliases > maxAliases) {
        problems.push({ offset, path, message: `more than ${maxAliases} aliases (*name); at most ${maxAliases} are accepted: write the values out`, fatal: true });
        break;
      }
      const target = node.resolve(document) as Node | undefined;
      if (!target) continue; // the parser already reported an unknown anchor
      const [aStart = 0, aEnd = 0] = node.range ?? [];
      const [tStart = 0, , tEnd = 0] = target.range ?? [];
      if (tStart <= aStart && aEnd <= tEnd) {
        problems.push({ offset, path, message: `the alias *${node.source} is inside the value it refers to (a cycle): write the value out instead`, fatal: true });
        continue;
      }
      stack.push({ node: target, depth, path, via: via ?? offset });
      continue;
    }
    const children: Frame[] = [];
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        const keyPath = [...path, typeof key === 'number' ? String(key) : (key as PropertyKey)];
        if (key === '__proto__') {
          problems.push({ offset: via ?? (pair.key as Node).range?.[0] ?? offset, path: keyPath, atKey: true, message: 'unknown key "__proto__": this key is never accepted; remove it', fatal: false });
          continue;
        }
        if (pair.key && !isScalar(pair.key)) {
          // `? [a, b]: c`: no scenario or config key is a list or a mapping (and turning one into a string warns).
          problems.push({ offset: via ?? (pair.key as Node).range?.[0] ?? offset, path, message: 'a key is a list or a mapping: keys are names; write it as one', fatal: true });
          continue;
        }
        if (pair.value) children.push({ node: pair.value as Node, depth: depth + 1, path: keyPath, ...(via === undefined ? {} : { via }) });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (item) children.push({ node: item as Node, depth: depth + 1, path: [...path, i], ...(via === undefined ? {} : { via }) });
      });
    }
    // Reversed, so the stack pops them in document order and the first problem found is the first in the file.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return problems;
}

/** Deletes own `__proto__` keys everywhere in a JSON-like value (after {@link documentProblems} reported them). */
export function dropProtoKeys(value: unknown, seen = new Set<object>()): void {
  if (!value || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (Object.hasOwn(value, '__proto__')) delete (value as Record<string, unknown>).__proto__;
  for (const item of Array.isArray(value) ? value : Object.values(value)) dropProtoKeys(item, seen);
}
