import { execFileSync, spawnSync } from 'node:child_process';

/**
 * Makes sure a Debian tool is on PATH, installing its package with apt-get when it is missing (the test
 * machines run as root). Throws with the fix when that is impossible, so the test fails rather than skips.
 */
export function ensureTool(command: string, debianPackage: string): string {
  const which = () => spawnSync('which', [command], { encoding: 'utf8' }).stdout.trim();
  if (which()) return which();
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  // Another process may hold the dpkg lock (parallel suites installing too): wait for it instead of failing.
  execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '-qq', debianPackage], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const path = which();
  if (!path) throw new Error(`${command} is missing and apt-get install ${debianPackage} did not provide it: install it by hand.`);
  return path;
}
