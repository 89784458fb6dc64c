import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INPUT_LIMITS, deepNestingOffset, readTextFile } from './input-guard';

describe('readTextFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'core-read-'));

  it('reads a file whole, up to the limit, and refuses one byte more', async () => {
    const text = 'name: t\n# é, ü: multi-byte characters\n';
    writeFileSync(join(dir, 'small.yaml'), text);
    expect(await readTextFile(join(dir, 'small.yaml'))).toEqual({ ok: true, text });
    writeFileSync(join(dir, 'empty.yaml'), '');
    expect(await readTextFile(join(dir, 'empty.yaml'))).toEqual({ ok: true, text: '' });
    writeFileSync(join(dir, 'limit.yaml'), 'x'.repeat(1000));
    expect(await readTextFile(join(dir, 'limit.yaml'), 1000)).toEqual({ ok: true, text: 'x'.repeat(1000) });
    expect(await readTextFile(join(dir, 'limit.yaml'), 999)).toEqual({ ok: false, message: expect.stringMatching(/^is 1000 bytes; at most 999 bytes .* are read: split it$/) });
  });

  it('reads past the size a file reports, as /proc files report none, within the limit', async () => {
    const read = await readTextFile('/proc/self/status');
    expect(read.ok && read.text).toMatch(/^Name:[\s\S]*VmRSS:[\s\S]*\n$/);
    expect(await readTextFile('/proc/self/status', 16)).toEqual({ ok: false, message: 'grew past 16 bytes while being read: split it' });
  });
});

describe('deepNestingOffset', () => {
  it('finds nesting past the limit, in flows and in compact lists, and nothing in ordinary text', () => {
    const depth = INPUT_LIMITS.maxDepth;
    expect(deepNestingOffset(`a: ${'['.repeat(depth + 1)}`)).toBe(3 + depth);
    expect(deepNestingOffset(`a:\n${'- '.repeat(depth + 1)}x\n`)).toBe(3 + 2 * (depth + 1));
    // As many brackets and dashes in all, but never that deep: the cheap count must not stop at the count.
    expect(deepNestingOffset(`${'a: [x]\n'.repeat(depth + 1)}${'b: a-b-c\n'.repeat(depth)}`)).toBeUndefined();
    expect(deepNestingOffset(`a: "${'['.repeat(depth + 1)}"\n`)).toBeUndefined();
  });
});
