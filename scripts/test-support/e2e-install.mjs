// The real `tester` bin run as a user's project runs it (DESIGN.md: end-to-end tests spawn the CLI on fixture
// folders): the built @tester packages installed into a throw-away project, project folders inside it, and the bin
// spawned on them. Shared by every package whose end-to-end tests run the CLI that way; each package keeps a
// two-line `test/e2e-install.ts` that its vitest.config names as globalSetup.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGES = fileURLToPath(new URL('../../packages/', import.meta.url));

/** What the spawned CLI loads by default: the CLI, core and the built-in plugins. */
export const CLI_PACKAGES = ['core', 'observer-api', 'observer-kafka', 'observer-prometheus', 'assertions', 'cli'];

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The newest modification time of the product sources under `dir` (ms); tests are not built. */
function newest(dir) {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) max = Math.max(max, newest(p));
    else if (!/\.test(-d)?\.ts$/.test(entry.name)) max = Math.max(max, statSync(p).mtimeMs);
  }
  return max;
}

/** Copies packages/<name>'s `package.json` and `files` (what npm would install: dist, the CLI's bin launcher) to `to`. */
function copyPackage(name, to) {
  const from = join(PACKAGES, name);
  // Another engineer's build may be rewriting a dist right now (tsup cleans it first): retry for a while.
  for (let attempt = 0; ; attempt++) {
    try {
      if (!['index.js', 'index.cjs'].every((f) => existsSync(join(from, 'dist', f)))) {
        throw new Error(`packages/${name}/dist is not built: run \`npx nx run-many -t build\` first (nx test does it for you).`);
      }
      mkdirSync(to, { recursive: true });
      cpSync(join(from, 'package.json'), join(to, 'package.json'));
      const files = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')).files ?? ['dist'];
      for (const entry of files) if (existsSync(join(from, entry))) cpSync(join(from, entry), join(to, entry), { recursive: true });
      return;
    } catch (error) {
      if (attempt >= 50) throw error;
      execFileSync('sleep', ['0.2']);
    }
  }
}

/**
 * Runs `node <args>` in `cwd` with no colour and no CI summary; `done` resolves at its end with its exit code or
 * signal and its output (stdout and stderr interleaved as they came, and apart).
 */
export function startNode(args, cwd, env = {}) {
  const childEnv = { ...process.env, NO_COLOR: '1' };
  delete childEnv.GITHUB_STEP_SUMMARY;
  delete childEnv.FORCE_COLOR;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const child = spawn(process.execPath, args, { cwd, env: childEnv });
  let output = '';
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c) => {
    output += c.toString();
    stdout += c.toString();
  });
  child.stderr?.on('data', (c) => {
    output += c.toString();
    stderr += c.toString();
  });
  const done = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, output, stdout, stderr })));
  return { child, done, output: () => output };
}

/**
 * The install for the end-to-end tests of packages/<pkg>: {@link CLI_PACKAGES} and `pkg` itself, copied to
 * `packages/<pkg>/tmp/e2e-install-<pid>/node_modules/@tester/*`, so the CLI loads them by package name as in a user's
 * project, and another engineer rebuilding a dist in this shared checkout cannot pull files from under a running CLI.
 * One folder per test run (the global setup passes it to the workers through the environment), because another run
 * of the same tests may start while this one runs. Third-party dependencies resolve from the repository's
 * node_modules, up the tree.
 */
export function e2eInstall(pkg, options = {}) {
  const tmp = join(PACKAGES, pkg, 'tmp');
  const key = `TESTER_E2E_INSTALL_${pkg.toUpperCase().replace(/\W/g, '_')}`;
  const snapshot = CLI_PACKAGES.includes(pkg) ? CLI_PACKAGES : [...CLI_PACKAGES, pkg];
  const install = {
    get dir() {
      return process.env[key] ?? join(tmp, 'e2e-install');
    },
    get stale() {
      return process.env[`${key}_STALE`];
    },
    setup() {
      // Folders of runs whose process is gone.
      for (const name of existsSync(tmp) ? readdirSync(tmp) : []) {
        const pid = Number(/^e2e-install-(\d+)$/.exec(name)?.[1]);
        if (pid && !alive(pid)) rmSync(join(tmp, name), { recursive: true, force: true });
      }
      if (options.fresh) {
        const own = join(PACKAGES, pkg);
        const built = join(own, 'dist', 'index.js');
        if (!existsSync(built) || statSync(built).mtimeMs < newest(join(own, 'src'))) {
          process.env[`${key}_STALE`] = `packages/${pkg}/dist is older than its sources: run \`npx nx run @tester/${pkg}:build\` (nx test does it for you).`;
        }
      }
      const dir = join(tmp, `e2e-install-${process.pid}`);
      rmSync(dir, { recursive: true, force: true });
      process.env[key] = dir;
      for (const name of snapshot) copyPackage(name, join(dir, 'node_modules', '@tester', name));
      return () => rmSync(dir, { recursive: true, force: true });
    },
    bin() {
      if (install.stale) throw new Error(install.stale);
      const cli = join(install.dir, 'node_modules', '@tester', 'cli');
      const field = JSON.parse(readFileSync(join(cli, 'package.json'), 'utf8')).bin;
      return join(cli, typeof field === 'string' ? field : field.tester);
    },
    project(files) {
      const root = join(install.dir, 'projects');
      mkdirSync(root, { recursive: true });
      const dir = mkdtempSync(join(root, 'p-'));
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), text);
      }
      return dir;
    },
    startCli: (args, cwd, env) => startNode([install.bin(), ...args], cwd, env),
    runCli: (args, cwd, env) => install.startCli(args, cwd, env).done,
  };
  return install;
}
