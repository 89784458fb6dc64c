// The README's two commands are promises: the test command is what CI runs, and the main-job command works.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const bashBlocks = [...readme.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim());

describe('README', () => {
  it('states the test command that .ci/run runs', () => {
    expect(bashBlocks).toContain('npm ci && npm test');
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test\b/m);
  });

  it('states a main-job command whose tester part runs', () => {
    const main = bashBlocks[0] ?? '';
    expect(main.startsWith('npm ci')).toBe(true);
    const bin = join(root, 'packages/cli/dist/bin.cjs');
    expect(existsSync(bin), 'the cli is built before its tests (nx test dependsOn build)').toBe(true);
    if (main.includes('npx tester --help')) {
      const out = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
      expect(out).toMatch(/^Usage: tester/m);
    } else {
      expect(main).toMatch(/npm run demo/);
      expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.demo).toBeTruthy();
    }
  });

  it('links every package it tours', () => {
    for (const dir of ['core', 'observer-api', 'observer-kafka', 'observer-prometheus', 'assertions', 'cli']) {
      expect(readme).toContain(`(packages/${dir})`);
      expect(existsSync(join(root, 'packages', dir, 'README.md')), `packages/${dir}/README.md`).toBe(true);
    }
  });
});
