// The README's two commands are promises: the test command is what CI runs, and the main-job command works.
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

  it('states the demo as the main-job command, which npm test runs as written', () => {
    expect(bashBlocks[0]).toBe('npm run demo');
    const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
    expect(scripts.demo).toBe('node scripts/demo.mjs');
    // scripts/test-all.mjs (npm test) runs `npm run demo` after every suite and counts its exit code as a test.
    expect(scripts.test).toBe('node scripts/test-all.mjs');
    expect(readFileSync(join(root, 'scripts/test-all.mjs'), 'utf8')).toContain("['run', 'demo']");
    // demo.mjs runs its steps through demo-steps.mjs, which builds the `tester ci` arguments.
    const demo = ['scripts/demo.mjs', 'scripts/demo-steps.mjs'].map((f) => readFileSync(join(root, f), 'utf8')).join('\n');
    for (const arg of ["'ci'", "'--scenarios-dir'", "'scenarios'", '`junit=${junit}`', '`html=${html}`']) expect(demo).toContain(arg);
  });

  it('links every package it tours', () => {
    for (const dir of ['core', 'observer-api', 'observer-kafka', 'observer-prometheus', 'assertions', 'cli']) {
      expect(readme).toContain(`(packages/${dir})`);
      expect(existsSync(join(root, 'packages', dir, 'README.md')), `packages/${dir}/README.md`).toBe(true);
    }
  });
});
