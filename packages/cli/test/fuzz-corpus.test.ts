/**
 * The fuzz corpus: every input a fuzz run once crashed, hung or wrongly accepted, run through the real CLI. Small
 * reproducers are committed under fixtures/fuzz (each scenario's first line is `# expect: <regex>` of one problem
 * it must produce; each config case has a case.json); big ones (megabytes, thousands of levels, FIFOs, devices)
 * are generated here. Every call is bounded: a hang fails the test instead of hanging it.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBounded, type BoundedResult } from './helpers/bounded';

const CORPUS = join(__dirname, 'fixtures', 'fuzz');
const OK = 'name: ok\nsystems: [nothing]\nexpectations:\n  states:\n    - system: mysql\n      final_state: CONNECTED\n';
/** A config with only the assertions plugin: no observer, so a run ends at its timeout without a stack. */
const NO_STACK = 'builtins: false\nplugins:\n  - assertions\n';

/** What every failing call must look like: exit 2, no internal error, no stack trace. */
function expectCannotStart(r: BoundedResult, what: string): void {
  expect(r.timedOut, `${what}: timed out`).toBe(false);
  expect(r.stderr, what).not.toMatch(/internal error|\n\s+at /);
  expect(r.code, `${what}\n${r.stderr}`).toBe(2);
}

describe('fuzz corpus: scenarios', () => {
  const files = readdirSync(join(CORPUS, 'scenarios')).filter((f) => f.endsWith('.yaml'));

  it('holds the reproducers of every scenario the fuzz found', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  it('tester validate refuses each with exit 2 and the expected problem at file:line:col', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tester-fuzz-corpus-'));
    const r = await runBounded(['validate', join(CORPUS, 'scenarios')], { cwd: dir, timeoutMs: 60_000 });
    expectCannotStart(r, 'validate the corpus');
    const lines = r.stderr.split('\n');
    for (const file of files) {
      const expected = new RegExp(readFileSync(join(CORPUS, 'scenarios', file), 'utf8').split('\n')[0]!.replace(/^# expect: /, ''));
      const mine = lines.filter((l) => l.includes(`${file}:`));
      expect(mine.length, `${file}: no problem reported`).toBeGreaterThan(0);
      for (const line of mine) expect(line, file).toMatch(/^\S+\.yaml:\d+:\d+( \S+)?: \S/);
      expect(mine.some((l) => expected.test(l)), `${file}: expected ${expected}, got:\n${mine.join('\n')}`).toBe(true);
    }
  }, 90_000);
});

describe('fuzz corpus: configs and plugins', () => {
  const cases = readdirSync(join(CORPUS, 'configs'));

  it.each(cases)('%s', async (name) => {
    const spec = JSON.parse(readFileSync(join(CORPUS, 'configs', name, 'case.json'), 'utf8')) as { why: string; env?: Record<string, string>; stderr: string };
    const dir = mkdtempSync(join(tmpdir(), `tester-fuzz-${name}-`));
    cpSync(join(CORPUS, 'configs', name), dir, { recursive: true });
    writeFileSync(join(dir, 'ok.yaml'), OK);
    const r = await runBounded(['validate', 'ok.yaml'], { cwd: dir, env: spec.env, timeoutMs: 30_000 });
    expectCannotStart(r, `${name} (${spec.why})`);
    expect(r.stderr, spec.why).toMatch(new RegExp(spec.stderr));
  }, 40_000);
});

describe('fuzz corpus: big and special inputs, generated here', () => {
  it('refuses 3,000 nested sequences, 130,000 problems, a 64 MB description, 200,000 events, a FIFO and /dev/zero, each bounded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tester-fuzz-big-'));
    const s = join(dir, 'scenarios');
    mkdirSync(s);
    writeFileSync(join(dir, 'tester.config.yaml'), NO_STACK);
    writeFileSync(join(s, 'nested.yaml'), `name: n\nactions:\n${'- '.repeat(3000)}x\n`);
    writeFileSync(join(s, 'flow.yaml'), `name: n\nactions: ${'['.repeat(3000)}${']'.repeat(3000)}\n`);
    writeFileSync(join(s, 'problems.yaml'), `name: p\nsystems: [x]\nexpectations:\n  states:\n${'    - {bogus: 1}\n'.repeat(130_000)}`);
    writeFileSync(join(s, 'problems-small.yaml'), `name: p\nsystems: [x]\nexpectations:\n  states:\n${'    - {bogus: 1}\n'.repeat(3_000)}`);
    writeFileSync(join(s, 'description.yaml'), `name: d\ndescription: ${'d'.repeat(64 * 1024 * 1024)}\n`);
    writeFileSync(join(s, 'events.yaml'), `name: e\nsystems: [x]\nexpectations:\n  states:\n${'    - {system: mysql, final_state: CONNECTED}\n'.repeat(200_000)}`);
    execFileSync('mkfifo', [join(s, 'fifo.yaml')]);
    symlinkSync('/dev/zero', join(s, 'zero.yaml'));
    const r = await runBounded(['validate'], { cwd: dir, timeoutMs: 60_000 });
    expectCannotStart(r, 'big inputs');
    expect(r.stderr).toMatch(/^scenarios\/nested\.yaml:\d+:\d+: the YAML nests too deeply to be read; at most 64 levels are accepted$/m);
    expect(r.stderr).toMatch(/^scenarios\/flow\.yaml:\d+:\d+: the YAML nests too deeply to be read/m);
    expect(r.stderr).toMatch(/^scenarios\/problems\.yaml:1:1: cannot read the scenario: is \d+ bytes; at most 262144 bytes \(256 KiB\) are read: split it$/m);
    expect(r.stderr).toMatch(/^scenarios\/problems-small\.yaml:\d+:\d+: 5950 more problem\(s\) in this file, from here on, are not listed/m);
    expect(r.stderr).toMatch(/^scenarios\/description\.yaml:1:1: cannot read the scenario: is \d{8} bytes/m);
    expect(r.stderr).toMatch(/^scenarios\/events\.yaml:1:1: cannot read the scenario: is \d+ bytes/m);
    expect(r.stderr).toMatch(/^scenarios\/fifo\.yaml:1:1: cannot read the scenario: is a FIFO \(named pipe\): only regular files are read$/m);
    expect(r.stderr).toMatch(/^scenarios\/zero\.yaml:1:1: cannot read the scenario: is a device: only regular files are read$/m);
    // 50 problems of problems-small.yaml, its count line, one line for each other file, the summary.
    expect(r.outputBytes).toBeLessThan(40_000);
  }, 90_000);

  it('bounds the output: a 250 kB file of bad values does not print megabytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tester-fuzz-echo-'));
    const value = 'v'.repeat(2_000);
    const items = Array.from({ length: 120 }, (_v, i) => `  - { type: HTTP, path: /x, method: "${value}${i}" }`).join('\n');
    writeFileSync(join(dir, 'echo.yaml'), `name: e\nactions:\n${items}\n`);
    const r = await runBounded(['validate', 'echo.yaml'], { cwd: dir, timeoutMs: 30_000 });
    expectCannotStart(r, 'echo');
    expect(readFileSync(join(dir, 'echo.yaml')).length).toBeGreaterThan(240_000);
    expect(r.outputBytes).toBeLessThan(40_000);
    expect(r.stderr).toContain('(2001 characters)');
  }, 40_000);

  it('a corrupt ledger blocks run with exit 2 naming the file and the fix; cleanup --force moves it aside', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tester-fuzz-ledger-'));
    writeFileSync(join(dir, 'tester.config.yaml'), NO_STACK);
    writeFileSync(join(dir, 'ok.yaml'), OK);
    mkdirSync(join(dir, '.tester'));
    writeFileSync(join(dir, '.tester', 'ledger.json'), '{"version":1,"entries":[{"id":');
    const blocked = await runBounded(['run', '-s', 'ok.yaml'], { cwd: dir, timeoutMs: 30_000 });
    expectCannotStart(blocked, 'run with a corrupt ledger');
    expect(blocked.stderr).toContain(`${join(dir, '.tester', 'ledger.json')}: the fault ledger is not valid JSON`);
    expect(blocked.stderr).toContain('`tester cleanup --force`');
    const plain = await runBounded(['cleanup'], { cwd: dir, timeoutMs: 30_000 });
    expectCannotStart(plain, 'cleanup with a corrupt ledger');
    const forced = await runBounded(['cleanup', '--force'], { cwd: dir, timeoutMs: 30_000 });
    expect(forced).toMatchObject({ code: 0, timedOut: false });
    expect(forced.stderr).toMatch(/could not be read; moved it to .*ledger\.json\.corrupt-/);
    expect(readdirSync(join(dir, '.tester')).filter((f) => f.startsWith('ledger.json.corrupt-'))).toHaveLength(1);
    // The ledger no longer blocks: the run gets as far as selecting scenarios.
    const after = await runBounded(['run', '-s', 'ok.yaml', '--grep', 'nomatch'], { cwd: dir, timeoutMs: 30_000 });
    expect(after.stderr).toContain('no scenario matches --grep nomatch');
  }, 60_000);

  it('refuses an exponential --grep, a report path that cannot exist, and keeps the console summary with TESTER_REPORTER=",,,"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tester-fuzz-flags-'));
    writeFileSync(join(dir, 'tester.config.yaml'), NO_STACK);
    mkdirSync(join(dir, 's'));
    writeFileSync(join(dir, 's', `${'a'.repeat(40)}!.yaml`), OK.replace('name: ok', `name: ${'a'.repeat(40)}!`).replace('systems: [nothing]', 'systems: [nothing]\ntimeout: 300ms'));
    const grep = await runBounded(['ci', '--scenarios-dir', 's', '--grep', '^(a+)+$'], { cwd: dir, timeoutMs: 20_000 });
    expectCannotStart(grep, '--grep');
    expect(grep.stderr).toContain('--grep ^(a+)+$: regular expression refused: a repetition inside an unbounded repetition');
    const report = await runBounded(['ci', '--scenarios-dir', 's', '--reporter', 'json=/dev/null/x/y/report.json'], { cwd: dir, timeoutMs: 20_000 });
    expectCannotStart(report, 'report path');
    expect(report.stderr).toContain('the report file /dev/null/x/y/report.json cannot be created: /dev/null is not a folder');
    const silent = await runBounded(['ci', '--scenarios-dir', 's'], { cwd: dir, env: { TESTER_REPORTER: ',,,' }, timeoutMs: 30_000 });
    expect(silent.timedOut).toBe(false);
    expect(silent.code).toBe(1);
    expect(silent.stdout).toMatch(/(FAILED|ERROR|PASSED).*in [\d.]+s/);
  }, 60_000);
});
