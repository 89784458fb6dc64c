import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

const packages = join(__dirname, '..', '..');
/** What the spawned CLI loads: every built @tester package, this one included. */
const snapshot = ['core', 'observer-api', 'observer-kafka', 'observer-prometheus', 'assertions', 'cli', 'fault-toxiproxy'];

const TMP = join(__dirname, '..', 'tmp');

/**
 * Where the end-to-end tests run the bin from, and where their project folders live (so plugins resolve here):
 * one folder per test run (the global setup passes it to the workers through the environment), because in this
 * shared checkout another run of the same tests may start while this one is running.
 */
export const E2E_INSTALL = process.env.TESTER_FAULT_E2E_INSTALL ?? join(TMP, 'e2e-install');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Vitest globalSetup: copies each package's `package.json` and `files` (`dist`, the CLI's bin launcher) (built by `nx run-many -t build`, which the
 * test target depends on) to `tmp/e2e-install-<pid>/node_modules/@tester/*`, so that other engineers rebuilding a dist
 * in this shared checkout cannot pull files from under a running CLI. Third-party dependencies still resolve from
 * the repository's node_modules, up the tree.
 */
export default function setup(): () => void {
  // Folders of runs whose process is gone.
  for (const name of existsSync(TMP) ? readdirSync(TMP) : []) {
    const pid = Number(/^e2e-install-(\d+)$/.exec(name)?.[1]);
    if (pid && !alive(pid)) rmSync(join(TMP, name), { recursive: true, force: true });
  }
  const dir = join(TMP, `e2e-install-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  process.env.TESTER_FAULT_E2E_INSTALL = dir;
  for (const name of snapshot) {
    const from = join(packages, name);
    const to = join(dir, 'node_modules', '@tester', name);
    // Another engineer's build may be rewriting a dist right now (tsup cleans it first): retry for a while.
    for (let attempt = 0; ; attempt++) {
      try {
        if (!['index.js', 'index.cjs'].every((f) => existsSync(join(from, 'dist', f)))) {
          throw new Error(`packages/${name}/dist is not built: run \`npx nx run-many -t build\` first (nx test does it for you).`);
        }
        mkdirSync(to, { recursive: true });
        cpSync(join(from, 'package.json'), join(to, 'package.json'));
        // What npm would install: the package's `files` (dist, and the CLI's bin launcher).
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
