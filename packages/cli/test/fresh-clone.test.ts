/**
 * A newcomer's first commands, as the README gives them, in a fresh clone: `npm ci`, the build, then
 * `npx tester --version` and `npx tester validate scenarios`. npm links a package's bin at install time only if
 * its target exists, and dist/ does not exist yet after `npm ci`: the committed bin/tester.cjs is what makes
 * `npx tester` resolvable at all.
 *
 * It clones the repository's HEAD (uncommitted changes are not in it) and installs from the npm cache
 * (`npm ci --offline`), so it needs no network. About a minute: ~10 s for `npm ci`, ~50 s for the build.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..', '..');

/** The environment of a user's shell: none of the npm_* variables of the npm that started this test. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key) && !key.startsWith('VITEST') && key !== 'NODE_OPTIONS') env[key] = value;
  return { ...env, NO_COLOR: '1', NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
}

describe('a fresh clone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tester-clone-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('npm ci, then the build, then `npx tester --version` and `npx tester validate scenarios` work as documented', () => {
    const env = userEnv();
    const run = (command: string, args: string[], timeout: number) => {
      const started = Date.now();
      const r = spawnSync(command, args, { cwd: dir, env, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
      return { ...r, ms: Date.now() - started, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
    };
    execFileSync('git', ['clone', '--quiet', '--depth', '1', `file://${ROOT}`, dir], { env });

    const ci = run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], 240_000);
    expect(ci.status, `npm ci --offline failed (is every package in the npm cache? run npm ci once online):\n${ci.output.slice(-3000)}`).toBe(0);

    // Before the build the bin is linked already, and says what to do.
    const early = run('npx', ['--no-install', 'tester', '--version'], 30_000);
    expect(early.status, early.output).toBe(2);
    expect(early.stderr).toContain('tester: the CLI is not built');
    expect(early.stderr).toContain('Run `npm run build`');

    const build = run('npm', ['run', 'build'], 300_000);
    expect(build.status, build.output.slice(-3000)).toBe(0);

    const version = run('npx', ['--no-install', 'tester', '--version'], 30_000);
    expect(version.status, version.output).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);

    const validate = run('npx', ['--no-install', 'tester', 'validate', 'scenarios'], 60_000);
    expect(validate.status, validate.output).toBe(0);
    expect(validate.stdout).toMatch(/^\d+ scenario file\(s\) valid\.$/m);
    console.log(`fresh clone: npm ci ${ci.ms} ms, build ${build.ms} ms, --version ${version.ms} ms, validate ${validate.ms} ms`);
  }, 600_000);
});
