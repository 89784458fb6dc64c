import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
// Inside the package (under the gitignored tmp/) so that `@tester/core` resolves to src through the Vitest alias.
mkdirSync(join(root, 'tmp'), { recursive: true });
const dir = mkdtempSync(join(root, 'tmp', 'readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README', () => {
  it('its complete example runs as written and passes', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(1);
    const file = join(dir, 'example.mjs');
    writeFileSync(file, blocks[0]!);
    const { result } = (await import(file)) as { result: { status: string; expectations: Array<{ status: string; message: string }>; rollbacks: Array<{ status: string }> } };
    expect(result.status).toBe('passed');
    expect(result.expectations).toEqual([expect.objectContaining({ status: 'passed', message: 'db is CONNECTED' })]);
    expect(result.rollbacks).toEqual([expect.objectContaining({ status: 'ok' })]);
  });
});
