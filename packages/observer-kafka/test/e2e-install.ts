/**
 * Vitest globalSetup for the end-to-end tests that run the real CLI: copies each built @tester package (`package.json`
 * and its `files`) to `tmp/e2e-install-<pid>/node_modules/@tester/*`, so the CLI loads this plugin and the built-in
 * assertions by package name, as a user's project does, and another engineer rebuilding a dist in this shared
 * checkout cannot pull files from under a running CLI. Third-party dependencies resolve from the repository's
 * node_modules, up the tree. The packages are built by `nx run-many -t build` (CI) or the test target's dependencies;
 * this package's own dist must not be older than its sources.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const packages = join(__dirname, '..', '..');
const SNAPSHOT = ['core', 'observer-api', 'observer-kafka', 'observer-prometheus', 'assertions', 'cli'];
const TMP = join(__dirname, '..', 'tmp');

/** Where the e2e tests find the snapshot (the setup passes it to the workers through the environment). */
export const E2E_INSTALL = process.env.TESTER_KAFKA_E2E_INSTALL ?? join(TMP, 'e2e-install');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The newest modification time of the product sources under `dir` (ms); tests are not built. */
function newest(dir: string): number {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) max = Math.max(max, newest(p));
    else if (!/\.test(-d)?\.ts$/.test(entry.name)) max = Math.max(max, statSync(p).mtimeMs);
  }
  return max;
}

/** Why the snapshot cannot be trusted, if it cannot: the CLI tests fail with it, the others run. */
export const E2E_STALE = process.env.TESTER_KAFKA_E2E_STALE;

export default function setup(): () => void {
  for (const name of existsSync(TMP) ? readdirSync(TMP) : []) {
    const pid = Number(/^e2e-install-(\d+)$/.exec(name)?.[1]);
    if (pid && !alive(pid)) rmSync(join(TMP, name), { recursive: true, force: true });
  }
  const own = join(packages, 'observer-kafka');
  const built = join(own, 'dist', 'index.js');
  if (!existsSync(built) || statSync(built).mtimeMs < newest(join(own, 'src'))) {
    process.env.TESTER_KAFKA_E2E_STALE = 'packages/observer-kafka/dist is older than its sources: run `npx nx run @tester/observer-kafka:build` (nx test does it for you).';
  }
  const dir = join(TMP, `e2e-install-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  process.env.TESTER_KAFKA_E2E_INSTALL = dir;
  for (const name of SNAPSHOT) {
    const from = join(packages, name);
    const to = join(dir, 'node_modules', '@tester', name);
    // Another engineer's build may be rewriting a dist right now (tsup cleans it first): retry for a while.
    for (let attempt = 0; ; attempt++) {
      try {
        if (!['index.js', 'index.cjs'].every((f) => existsSync(join(from, 'dist', f)))) {
          throw new Error(`packages/${name}/dist is not built: run \`npx nx run-many -t build\` first.`);
        }
        mkdirSync(to, { recursive: true });
        cpSync(join(from, 'package.json'), join(to, 'package.json'));
        const files = (JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')) as { files?: string[] }).files ?? ['dist'];
        for (const entry of files) if (existsSync(join(from, entry))) cpSync(join(from, entry), join(to, entry), { recursive: true });
        break;
      } catch (error) {
        if (attempt >= 50) throw error;
        execFileSync('sleep', ['0.2']);
      }
    }
  }
  return () => rmSync(dir, { recursive: true, force: true });
}
