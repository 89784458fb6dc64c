import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const packages = join(__dirname, '..', '..');
const order = ['core', 'observer-api', 'observer-kafka', 'observer-prometheus', 'assertions', 'cli'];

/** Newest modification time under `dir` (source files only). */
function newest(dir: string): number {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return max;
}

/**
 * Vitest globalSetup: the end-to-end tests spawn the BUILT bin, which imports the other packages' dist, so each
 * package whose src is newer than its dist is built first (tsup, as `npm run build` does).
 */
export default function setup(): void {
  for (const name of order) {
    const dir = join(packages, name);
    const built = join(dir, 'dist', 'index.js');
    if (existsSync(built) && statSync(built).mtimeMs >= newest(join(dir, 'src'))) continue;
    execFileSync('npx', ['tsup'], { cwd: dir, stdio: 'ignore' });
  }
}
