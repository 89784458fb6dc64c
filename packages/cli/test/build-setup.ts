import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const packages = join(__dirname, '..', '..');
const order = ['core', 'observer-api', 'observer-kafka', 'observer-prometheus', 'assertions', 'cli'];

/** Where the end-to-end tests run the bin from: a snapshot of every package's build (see below). */
export const E2E_INSTALL = join(__dirname, '..', 'tmp', 'e2e-install');

/** Newest modification time under `dir`. */
function newest(dir: string): number {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return max;
}

const complete = (dir: string) => ['index.js', 'index.cjs', 'index.d.ts'].every((f) => existsSync(join(dir, 'dist', f)));

/**
 * Vitest globalSetup. The end-to-end tests spawn the BUILT bin, which imports the other packages' dist: each
 * package whose src is newer than its dist is built (tsup, as `npm run build` does), then every package's
 * `package.json` + `dist` is copied to `tmp/e2e-install/node_modules/@tester/*`, so that other engineers
 * rebuilding their dist in this shared checkout cannot pull files from under a running test. Third-party
 * dependencies still resolve from the repository's node_modules, up the tree.
 */
export default function setup(): void {
  for (const name of order) {
    const dir = join(packages, name);
    if (complete(dir) && statSync(join(dir, 'dist', 'index.js')).mtimeMs >= newest(join(dir, 'src'))) continue;
    execFileSync('npx', ['tsup'], { cwd: dir, stdio: 'ignore' });
  }
  // The example plugin is resolved by package name from fixture folders inside the repository (not snapshotted).
  const example = join(packages, '..', 'examples', 'plugin-sql-observer');
  if (!complete(example) || statSync(join(example, 'dist', 'index.js')).mtimeMs < newest(join(example, 'src'))) {
    execFileSync('npx', ['tsup'], { cwd: example, stdio: 'ignore' });
  }
  rmSync(E2E_INSTALL, { recursive: true, force: true });
  for (const name of order) {
    const from = join(packages, name);
    const to = join(E2E_INSTALL, 'node_modules', '@tester', name);
    for (let attempt = 0; ; attempt++) {
      try {
        if (!complete(from)) throw new Error(`${name}: dist is incomplete (being rebuilt?)`);
        mkdirSync(to, { recursive: true });
        cpSync(join(from, 'package.json'), join(to, 'package.json'));
        cpSync(join(from, 'dist'), join(to, 'dist'), { recursive: true });
        break;
      } catch (error) {
        if (attempt >= 50) throw error;
        execFileSync('sleep', ['0.2']);
      }
    }
  }
}
