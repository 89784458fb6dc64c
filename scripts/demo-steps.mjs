// What `npm run demo` and `npm run demo:connect` share: steps in the foreground, the install on a fresh clone, the
// build of stale packages, the `tester ci` run with every reporter, and the reports' summary. Each demo says what it
// runs on and how it ends.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const node = process.execPath;
/** Seconds since `from`, for the log. @param {number} from */
export const secs = (from) => `${((Date.now() - from) / 1000).toFixed(1)} s`;

/**
 * The steps of one demo, whose name prefixes its messages (`demo`, `demo:connect`).
 * @param {string} name
 */
export function demoSteps(name) {
  /** Runs one step in the foreground, its output on ours. @returns {number} the exit code */
  function step(/** @type {string} */ title, /** @type {string} */ cmd, /** @type {string[]} */ args, { cwd = root, env = process.env } = {}) {
    console.log(`\n== ${title}`);
    const result = spawnSync(cmd, args, { cwd, stdio: 'inherit', env });
    if (result.error) throw result.error;
    return result.status ?? 1;
  }
  /** A step the demo cannot go on without: exit 2 (the tester could not start) if it fails. */
  function must(/** @type {string} */ title, /** @type {string} */ cmd, /** @type {string[]} */ args) {
    const code = step(title, cmd, args);
    if (code !== 0) {
      console.error(`${name}: "${title}" failed (exit ${code}); nothing else was run.`);
      process.exit(2);
    }
  }
  return {
    step,
    must,
    /** A fresh clone has no Node dependencies: npm ci (exact, never rewrites the lockfile). */
    installDependencies() {
      if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
        must('install the Node dependencies (npm ci)', process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--no-audit', '--no-fund']);
      }
    },
    /** Builds, in the order given (dependencies first), each package whose dist is missing or older than its src. */
    build(/** @type {string[]} */ packages) {
      console.log('\n== build the packages');
      const tsup = join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js');
      for (const pkg of packages) {
        const dir = join(root, 'packages', pkg);
        const built = existsSync(join(dir, 'dist', 'index.js')) ? statSync(join(dir, 'dist', 'index.js')).mtimeMs : 0;
        if (built >= newest(join(dir, 'src'))) {
          console.log(`  @tester/${pkg}: up to date`);
          continue;
        }
        const from = Date.now();
        const r = spawnSync(node, [tsup], { cwd: dir, encoding: 'utf8' });
        if (r.status !== 0) {
          console.error(`${r.stdout}${r.stderr}\n${name}: building @tester/${pkg} failed (exit ${r.status}); run \`npx tsup\` in packages/${pkg} to see why.`);
          process.exit(2);
        }
        console.log(`  @tester/${pkg}: built in ${secs(from)}`);
      }
    },
    /**
     * Runs the built bin's `tester ci` on `scenariosDir` against the stack the demo made sure of, with the console,
     * JUnit, HTML and JSON reporters writing into a fresh `outDir`, then says where the reports are, each marked when
     * it is missing. Flags beat the environment and any config file, so the run always talks to that stack.
     * @param {string} title
     * @param {{ scenariosDir: string, controlPlaneUrl: string, kafkaBootstrap: string, prometheusUrl: string, outDir: string, cwd?: string, env?: NodeJS.ProcessEnv }} run
     * @returns {number} tester's exit code
     */
    runScenarios(title, { scenariosDir, controlPlaneUrl, kafkaBootstrap, prometheusUrl, outDir, cwd, env }) {
      rmSync(outDir, { recursive: true, force: true });
      mkdirSync(outDir, { recursive: true });
      /** @type {[string, string][]} */
      const reports = [
        ['HTML timeline', join(outDir, 'report.html')],
        ['JUnit XML', join(outDir, 'junit.xml')],
        ['JSON', join(outDir, 'report.json')],
      ];
      const [html, junit, json] = reports.map(([, file]) => file);
      const bin = join(root, 'packages', 'cli', 'dist', 'bin.cjs');
      const stackFlags = ['--control-plane-url', controlPlaneUrl, '--kafka-bootstrap', kafkaBootstrap, '--prometheus-url', prometheusUrl];
      const reporters = ['console', `junit=${junit}`, `html=${html}`, `json=${json}`].flatMap((r) => ['--reporter', r]);
      const code = step(title, node, [bin, 'ci', '--scenarios-dir', scenariosDir, ...stackFlags, ...reporters], { cwd, env });
      console.log('\nReports:');
      for (const [what, file] of reports) console.log(`  ${what.padEnd(14)} ${relative(root, file)}${existsSync(file) ? '' : ' (missing!)'}`);
      return code;
    },
    /** The last line: tester's exit code and what it means; exits with it. */
    finish(/** @type {number} */ code, /** @type {number} */ began) {
      const verdict = code === 0 ? 'all scenarios passed' : code === 1 ? 'a scenario failed or errored' : 'the tester could not start';
      console.log(`\n${name}: tester exited ${code} (${verdict}) after ${secs(began)}`);
      process.exit(code);
    },
  };
}

/** Newest modification time under `dir` (0 when missing). @param {string} dir @returns {number} */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return max;
}
