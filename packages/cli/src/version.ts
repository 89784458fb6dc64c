import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The package version, read at run time so the bin and the package never disagree. Every build output (the bin,
 * the library, its chunks) sits in `dist/`, one folder below `package.json`.
 */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
