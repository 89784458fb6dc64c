import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const packagesDir = join(__dirname, '..', '..');

describe('packaging', () => {
  it('every package packs, the tarballs install together in an empty project, and `npx tester --version` works there', () => {
    // test/build-setup.ts (globalSetup) has built every package's dist.
    const packDir = mkdtempSync(join(tmpdir(), 'tester-pack-'));
    const names = readdirSync(packagesDir).filter((d) => {
      try {
        return Boolean(JSON.parse(readFileSync(join(packagesDir, d, 'package.json'), 'utf8')).name);
      } catch {
        return false;
      }
    });
    expect(names).toEqual(expect.arrayContaining(['core', 'observer-api', 'observer-kafka', 'observer-prometheus', 'assertions', 'cli']));
    const tarballs = names.map((d) => {
      const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', packDir], { cwd: join(packagesDir, d), encoding: 'utf8' });
      return join(packDir, out.trim().split('\n').at(-1) as string);
    });

    const project = mkdtempSync(join(tmpdir(), 'tester-install-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, version: '1.0.0' }));
    // A tarball of @tester/cli alone cannot install (its @tester/* deps are not published): install them together.
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], { cwd: project, stdio: 'pipe' });
    const version = execFileSync('npx', ['--no-install', 'tester', '--version'], { cwd: project, encoding: 'utf8' });
    expect(version.trim()).toBe(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version);
    const help = execFileSync('npx', ['--no-install', 'tester', 'schema', '--report'], { cwd: project, encoding: 'utf8' });
    expect(JSON.parse(help)).toMatchObject({ title: 'tester json report' });
  }, 400_000);
});
