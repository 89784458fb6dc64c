import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INPUT_LIMITS, documentProblems } from './input-guard';
import { PositionFinder } from './positions';
import { readSimpleYaml } from './simple-yaml';
import { parseYaml } from './yaml-parse';

const ROOT = join(__dirname, '..', '..', '..');

/** Every path to a value in `value`, the root's included. */
function paths(value: unknown, prefix: PropertyKey[] = []): PropertyKey[][] {
  const out: PropertyKey[][] = [prefix];
  if (Array.isArray(value)) value.forEach((item, i) => out.push(...paths(item, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) out.push(...paths(item, [...prefix, key]));
  return out;
}

/**
 * `true` when the fast reader reads `source`, after checking that it read it exactly as `yaml` does: no error or
 * warning from `yaml`, nothing the input guard refuses, the same values, the same position for every value.
 */
function readsAsYaml(source: string): boolean {
  const simple = readSimpleYaml(source, INPUT_LIMITS);
  if (!simple) return false;
  const { document, lineCounter } = parseYaml(source);
  expect({ source, errors: document.errors.map((e) => e.message), warnings: document.warnings.map((w) => w.message) }).toEqual({ source, errors: [], warnings: [] });
  expect(documentProblems(document)).toEqual([]);
  expect(simple.value, source).toStrictEqual(document.toJS());
  const finder = new PositionFinder(document, lineCounter);
  for (const path of paths(simple.value)) expect({ source, path, at: simple.positions.find(path) }).toEqual({ source, path, at: finder.find(path) });
  return true;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/** A deterministic generator (mulberry32), so that a failure can be replayed. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]! };
}

const SEEDS = ['chaos_latency_injection', 'mysql_failure', 'policy_evaluation', 'reconciliation_loop'].map((name) => readFileSync(join(ROOT, 'scenarios', `${name}.yaml`), 'utf8'));

describe('readSimpleYaml', () => {
  it('reads the shipped scenarios, as yaml does', () => {
    // The point of the reader: if it gave up on these, every scenario would be parsed twice.
    for (const source of SEEDS) expect(readsAsYaml(source)).toBe(true);
  });

  it('reads every YAML file of the repository it accepts as yaml does', () => {
    const files = [...yamlFiles(join(ROOT, 'scenarios')), ...yamlFiles(join(ROOT, 'examples')), ...yamlFiles(join(ROOT, 'packages', 'cli', 'test', 'fixtures'))];
    expect(files.length).toBeGreaterThan(20);
    let read = 0;
    for (const file of files) if (readsAsYaml(readFileSync(file, 'utf8'))) read++;
    expect(read).toBeGreaterThan(files.length / 2);
  });

  it.each([
    ['a: 1\nb: 1.50\nc: 0x1F\nd: 0o17\ne: +5\nf: 1e3\ng: .inf\nh: -.INF\ni: .nan\nj: 007\nk: 1_000\nl: -0\n', { b: 1.5, c: 31, d: 15, e: 5, f: 1000, j: 7, k: '1_000' }],
    ['a: true\nb: False\nc: TRUE\nd: yes\ne: ~\nf: null\ng: NULL\nh: Null\ni: nUll\n', { a: true, b: false, d: 'yes', e: null, i: 'nUll' }],
    ['a:\nb:   \nc: # none\n', { a: null, b: null, c: null }],
    ["a: 'it''s'\nb: \"tab\\there \\\"q\\\" \\u00e9\\x41\\U0001F600 \\\\\"\nc: '# not a comment'\nd: \"\"\n", { a: "it's", b: 'tab\there "q" éA😀 \\', d: '' }],
    ['a: x # comment\nb: x#y\nc: http://127.0.0.1:8080/x?q=1\nd: uses [brackets], {braces} too\ne: a  b  \n', { b: 'x#y', c: 'http://127.0.0.1:8080/x?q=1', e: 'a  b' }],
    ['a: [1, two, "three", [4, []], {}]\nb: { k: v, "q k": [x, y], n: { m: -1 } }\nc: []\n', { a: [1, 'two', 'three', [4, []], {}] }],
    ['list:\n- a\n- b\nafter: 1\nnested:\n  - - x\n', undefined],
    ['list:\n- a\n-\n-   \n- { x: 1 }\n- [1]\n- id: a\n  type: B\n-   id: c\n    n: 1\nafter: 1\n', { list: ['a', null, null, { x: 1 }, [1], { id: 'a', type: 'B' }, { id: 'c', n: 1 }] }],
    ['a:\n  # comment\n  b:\n    - 1\n    # between\n    - 2\n\n  c: 3\n', { a: { b: [1, 2], c: 3 } }],
    ['d: >\n  folded\n  text  \n\n  para\n\n\nnext: 1\n', { d: 'folded text  \npara\n', next: 1 }],
    ['d: |\n  literal\n   more\nnext: 1\n', undefined],
    ['d: |-\n  a\n\n  # not a comment\n\ne: |+\n  keep\n\n\nf: >-\n\n  lead\n', { d: 'a\n\n# not a comment', e: 'keep\n\n\n', f: '\nlead' }],
    ['- a\n- b\n', undefined],
    ['a: &x 1\nb: *x\n', undefined],
    ['a: !!str 1\n', undefined],
    ['a: 1\na: 2\n', undefined],
    ['a: "multi\n  line"\n', undefined],
    ['a: plain\n  continued\n', undefined],
    ['a: [1,\n  2]\n', undefined],
    ['a:\tb\n', undefined],
    ['a: b\r\nc: d\r\n', undefined],
    ['---\na: 1\n', undefined],
    ['a: b: c\n', undefined],
    ['__proto__: 1\n', undefined],
    ['1: a\n', undefined],
    ['? a\n: b\n', undefined],
    ['a: |\n  no final newline', undefined],
    ['a: [1, 2,]\n', undefined],
    ['a: {x:1}\n', undefined],
    ['a: [x:1, y#z, http://h:1/p]\n', { a: ['x:1', 'y#z', 'http://h:1/p'] }],
    ['a: [x: 1]\n', undefined],
    ['a: [x:]\n', undefined],
    ['a: [x #c]\n', undefined],
    ['a: @x\n', undefined],
    ['a: "\\q"\n', undefined],
    ['', undefined],
    ['# only a comment\n', undefined],
  ])('%j', (source, expected) => {
    const read = readsAsYaml(source);
    expect(read).toBe(expected !== undefined);
    if (expected) expect(readSimpleYaml(source, INPUT_LIMITS)!.value).toMatchObject(expected);
  });

  it('gives up well before the input limits, which yaml and the input guard then apply', () => {
    const wide = `a:\n${Array.from({ length: INPUT_LIMITS.maxNodes / 2 + 1 }, (_, i) => `  - ${i}`).join('\n')}\n`;
    expect(readSimpleYaml(wide, INPUT_LIMITS)).toBeUndefined();
    const deep = `a: ${'['.repeat(INPUT_LIMITS.maxDepth / 2)}${']'.repeat(INPUT_LIMITS.maxDepth / 2)}\n`;
    expect(readSimpleYaml(deep, INPUT_LIMITS)).toBeUndefined();
    expect(readsAsYaml(`a: ${'['.repeat(INPUT_LIMITS.maxDepth / 4)}${']'.repeat(INPUT_LIMITS.maxDepth / 4)}\n`)).toBe(true);
  });

  it('reads mutated scenarios as yaml does, or gives up', () => {
    const rng = random(11);
    const pieces = [' ', '  ', '\n', '- ', ': ', ':', '#', ' #', '"', "'", '\\', '[', ']', '{', '}', ',', '|', '>', '-', '+', '&a ', '*a', '!', '?', '%', '@', '`', '~', '0', '1.5', 'x', 'true', 'null', '\t', '\r', '---', '__proto__'];
    let read = 0;
    for (let n = 0; n < 1500; n++) {
      let source = rng.pick(SEEDS);
      for (let k = 1 + rng.int(3); k > 0; k--) {
        const at = rng.int(source.length + 1);
        const cut = rng.next() < 0.5 ? rng.int(4) : 0;
        source = source.slice(0, at) + (rng.next() < 0.8 ? rng.pick(pieces) : '') + source.slice(at + cut);
      }
      if (readsAsYaml(source)) read++;
    }
    // Most mutations land in comments or text and are still read: the comparison above ran on them.
    expect(read).toBeGreaterThan(500);
  });

  it('reads generated documents as yaml does', () => {
    const rng = random(7);
    const words = ['a', 'name', 'x y', 'http://h:1/p', '1', '-2', '0.5', '1e3', 'true', 'False', 'null', '~', '.inf', 'a#b', 'it is', '0x1f', '0o7', '+3', 'café'];
    const quotedWords = ["'single'", "'it''s'", '"double"', '"esc \\" \\\\ \\n \\u00e9"', '""', "''", '"a: b"', "'# x'"];
    const scalar = (): string => (rng.next() < 0.7 ? rng.pick(words) : rng.pick(quotedWords));
    const keyName = (): string => rng.pick(['k', 'key', 'a.b', 'x y', 'id', 'type']) + rng.int(50);
    const keys = (count: number): string[] => [...new Set(Array.from({ length: count }, keyName))].map((name) => (rng.next() < 0.1 ? `"${name}"` : name));
    const flow = (depth: number): string => {
      if (depth > 2 || rng.next() < 0.5) return scalar();
      if (rng.next() < 0.5) return `[${Array.from({ length: rng.int(4) }, () => flow(depth + 1)).join(rng.pick([', ', ','] as const))}]`;
      return `{${rng.pick(['', ' '])}${keys(rng.int(3)).map((k) => `${k}: ${flow(depth + 1)}`).join(', ')}${rng.pick(['', ' '])}}`;
    };
    const block = (indent: string, depth: number, inSeqItem = false, seq = false): string[] => {
      const lines: string[] = [];
      if (seq || (!inSeqItem && depth < 4 && rng.next() < 0.35)) {
        for (let i = 1 + rng.int(3); i > 0; i--) {
          if (rng.next() < 0.3) {
            // A compact mapping: `- key: value`, its other keys under the first.
            const [first, ...rest] = block(indent + '  ', depth + 1, true);
            lines.push(`${indent}- ${first}`, ...rest);
            continue;
          }
          const value = item(indent, depth);
          lines.push(...(value.inline === undefined ? [`${indent}-`, ...value.lines] : [`${indent}- ${value.inline}`, ...value.lines]));
        }
        return lines;
      }
      keys(1 + rng.int(4)).forEach((k, i) => {
        const value = item(indent + '  ', depth);
        const at = i === 0 && inSeqItem ? '' : indent;
        if (rng.next() < 0.15 && !(i === 0 && inSeqItem)) lines.push(`${indent}# comment ${i}`);
        lines.push(value.inline === undefined ? `${at}${k}:` : `${at}${k}: ${value.inline}`, ...value.lines);
        if (rng.next() < 0.1) lines.push('');
      });
      return lines;
    };
    const item = (indent: string, depth: number): { inline?: string; lines: string[] } => {
      const r = rng.next();
      if (r < 0.4 || depth > 3) return { inline: scalar() + (rng.next() < 0.1 ? ' # trailing' : ''), lines: [] };
      if (r < 0.55) return { inline: flow(0), lines: [] };
      if (r < 0.65) {
        const header = rng.pick(['|', '>', '|-', '>-', '|+', '>+']);
        const body = Array.from({ length: 1 + rng.int(4) }, (_, i) => (i > 0 && rng.next() < 0.2 ? '' : `${indent}  ${rng.pick(['text', 'more words', '# hash', 'a: b', '- dash'])}`));
        return { inline: header, lines: [...body, ...(rng.next() < 0.3 ? [''] : [])] };
      }
      // A list under a key may be indented like the key.
      if (r < 0.75) return { lines: block(indent.slice(2), depth + 1, false, true) };
      return { lines: block(indent + '  ', depth + 1) };
    };
    let read = 0;
    for (let n = 0; n < 1500; n++) {
      const source = `${keys(1 + rng.int(5)).flatMap((k) => {
        const value = item('', 0);
        return value.inline === undefined ? [`${k}:`, ...value.lines] : [`${k}: ${value.inline}`, ...value.lines];
      }).join('\n')}\n`;
      if (readsAsYaml(source)) read++;
    }
    // The rest are documents yaml refuses (the generator is loose about indentation).
    expect(read).toBeGreaterThan(1300);
  });
});
