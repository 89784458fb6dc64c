#!/usr/bin/env node
// `npm test`: runs every project's tests through Nx, then sums the Vitest JSON reports into one closing line
// `N passed, N failed, N skipped`. Reports are read from files because Nx colours and interleaves stdout.
// A test file that fails to import leaves numFailedTests at 0 (TOOLCHAIN.md), so failed files count too,
// and a project that ran but left no report counts as one failure: nothing is passed by omission.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const projectDirs = ['packages', 'examples']
  .flatMap((group) => (existsSync(join(root, group)) ? readdirSync(join(root, group)).map((d) => join(root, group, d)) : []))
  .filter((dir) => {
    const pkgPath = join(dir, 'package.json');
    if (!existsSync(pkgPath)) return false;
    return Boolean(JSON.parse(readFileSync(pkgPath, 'utf8')).scripts?.test);
  });

for (const dir of projectDirs) rmSync(join(dir, 'reports'), { recursive: true, force: true });
rmSync(join(root, 'reports', 'test-summary.txt'), { force: true });

const stackScript = join(root, 'scripts', 'stack.mjs');
const useStack = existsSync(stackScript) && process.env.TESTER_SKIP_STACK !== '1';
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });

let stackFailed = false;
if (useStack) {
  // One stack for the whole run; each suite's global setup reuses it (and starts it only when it is missing).
  stackFailed = run(process.execPath, [stackScript, 'up']).status !== 0;
  if (stackFailed) console.error('test-all: the local stack did not come up; suites that need it will fail.');
}

const nx = run(process.execPath, [
  join(root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'),
  'run-many',
  '-t',
  'test',
  '--outputStyle=static',
  ...process.argv.slice(2),
]);

// The README's main command, run as written (`npm run demo`) on the stack that is up: its exit code is one test.
// It runs after every suite, on the shared control plane's systems, so nothing else disturbs it.
let demo;
if (process.env.TESTER_SKIP_DEMO !== '1' && process.argv.length <= 2) {
  console.log('\n== the README\'s main command: npm run demo');
  demo = run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'demo']).status;
}

if (useStack && process.env.TESTER_KEEP_STACK !== '1') run(process.execPath, [stackScript, 'down']);

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
for (const dir of projectDirs) {
  const name = dir.slice(root.length);
  const report = join(dir, 'reports', 'vitest.json');
  if (!existsSync(report)) {
    failed += 1;
    problems.push(`${name}: no test report (the test target did not run to the end)`);
    continue;
  }
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests ?? 0;
  failed += json.numFailedTests ?? 0;
  skipped += (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
  for (const file of json.testResults ?? []) {
    const failedInFile = (file.assertionResults ?? []).filter((a) => a.status === 'failed').length;
    if (file.status === 'failed' && failedInFile === 0) {
      failed += 1;
      problems.push(`${file.name.slice(root.length)}: ${String(file.message ?? 'failed to run').split('\n')[0]}`);
    }
  }
}
if (demo !== undefined) {
  if (demo === 0) passed += 1;
  else {
    failed += 1;
    problems.push(`npm run demo exited ${demo}`);
  }
}
if (nx.status !== 0 && failed === 0) {
  failed += 1;
  problems.push(`nx exited ${nx.status} without a failing test in any report`);
}
if (stackFailed && failed === 0) {
  failed += 1;
  problems.push('the local stack did not come up');
}
for (const p of problems) console.error(`test-all: ${p}`);
const summary = `${passed} passed, ${failed} failed, ${skipped} skipped`;
// Also on disk, so .ci/run can end with it even after npm's own failure lines.
mkdirSync(join(root, 'reports'), { recursive: true });
writeFileSync(join(root, 'reports', 'test-summary.txt'), `${summary}\n`);
console.log(summary);
process.exit(failed > 0 ? 1 : 0);
