import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SuiteReport } from '../src/reporters/types';
import { runCli } from './helpers/cli';
import { expectReportReplays } from './helpers/seed';

/**
 * The third-party plugin path, as an outsider uses it: `examples/plugin-sql-observer` (depends on @tester/core
 * only) named by its package name in a config file, resolved from the project folder, observing MariaDB rows.
 * The fixture lives inside the repository so that the package resolves through its node_modules, as it would
 * in a user's project after `npm install tester-plugin-sql-observer`.
 */
function project(files: Record<string, string>): string {
  const root = join(__dirname, '..', 'tmp');
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, 'sql-plugin-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const config = `builtins: false
plugins:
  - tester-plugin-sql-observer
tester-plugin-sql-observer:
  host: \${TESTER_MARIADB_HOST:-127.0.0.1}
  port: \${TESTER_MARIADB_PORT:-3306}
  user: \${TESTER_MARIADB_USER:-root}
  password: \${TESTER_MARIADB_PASSWORD:-}
  queries:
    schemata: select schema_name from information_schema.schemata
`;

describe('example third-party plugin through the config', () => {
  it('observes the rows of a MariaDB query and decides a scenario on them (exit 0, then exit 1)', async () => {
    const dir = project({
      'tester.config.yaml': config,
      'scenarios/rows.yaml': 'name: sql_rows\nsystems: [mariadb]\ntimeout: 20s\nexpectations:\n  sql:\n    - query: schemata\n      min_rows: 1\n',
      'failing/none.yaml': 'name: sql_no_rows\nsystems: [mariadb]\ntimeout: 3s\nexpectations:\n  sql:\n    - query: schemata\n      rows: 0\n',
    });
    const pass = await runCli(['ci', '-r', 'console', '-r', 'json=r.json'], { cwd: dir });
    expect(pass.code, pass.stdout + pass.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as SuiteReport;
    const result = report.scenarios[0]!.attempts[0]!;
    expect(result.expectations[0]).toMatchObject({ status: 'passed', description: 'query schemata returns at least 1 row(s)' });
    expect(result.timeline.some((o) => o.source === 'sql' && o.kind === 'sql.rows')).toBe(true);
    await expectReportReplays(dir, 'r.json');

    const fail = await runCli(['ci', '--scenarios-dir', 'failing', '-r', 'console', '-r', 'json=f.json'], { cwd: dir });
    expect(fail.code, fail.stdout + fail.stderr).toBe(1);
    expect(fail.stdout).toMatch(/schemata returned \d+ row\(s\), expected exactly 0/);
    await expectReportReplays(dir, 'f.json');
  }, 90_000);
});
