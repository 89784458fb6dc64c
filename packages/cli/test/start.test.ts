// Fast start (issue "Speed and scale", point 1): `tester --version` is answered by the bin alone, prints what it
// always printed, and the CLI module the bin loads for every other command imports no heavy module up front.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/main';
import { BIN, runCli } from './helpers/cli';
import { PRIVATE, SCENARIOS } from './helpers/seed';

const version = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
const dist = dirname(BIN);

/** What `main` (the commander program) prints for `argv`, in process. */
async function inProcess(argv: string[]): Promise<{ code: number; stdout: string }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await main(['node', 'tester', ...argv], { stdout, stderr: new PassThrough(), env: {}, cwd: process.cwd() });
  return { code, stdout: out };
}

describe('tester --version', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tester-start-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('prints the package version and exits 0, as the commander program does (--version and -V)', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag], { cwd: tmp });
      expect(r).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
      expect(await inProcess([flag])).toEqual({ code: 0, stdout: r.stdout });
    }
  });

  it('is answered by the bin without loading the CLI: a bin with nothing beside it but package.json answers it', async () => {
    // dist/ holds the bin only: cli.js and every chunk are missing. --version still works; anything else cannot.
    const pkg = join(tmp, 'bare');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    copyFileSync(BIN, join(pkg, 'dist', 'bin.cjs'));
    copyFileSync(join(dist, '..', 'package.json'), join(pkg, 'package.json'));
    const bare = join(pkg, 'dist', 'bin.cjs');
    expect(execFileSync(process.execPath, [bare, '--version'], { cwd: tmp, encoding: 'utf8' })).toBe(`${version}\n`);
    expect(() => execFileSync(process.execPath, [bare, '--help'], { cwd: tmp, stdio: 'pipe' })).toThrow(/cli\.js/);
  });

  it('anything but a lone --version/-V goes to the program, which answers as it always did', async () => {
    for (const argv of [['--version', '--bogus'], ['--bogus', '--version'], ['-V', 'run'], ['validate', '--version']]) {
      const r = await runCli(argv, { cwd: tmp });
      const expected = await inProcess(argv);
      expect({ argv, code: r.code, stdout: r.stdout }).toEqual({ argv, ...expected });
    }
  });
});

describe('the built CLI module', () => {
  /** Every module `file` imports statically (`import ... from`, `export ... from`, `import '...'`), transitively. */
  function staticGraph(file: string, seen = new Set<string>(), bare = new Set<string>()): { files: Set<string>; bare: Set<string> } {
    if (seen.has(file)) return { files: seen, bare };
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|^import\s*['"]([^'"]+)['"]/gm)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) staticGraph(join(dirname(file), spec), seen, bare);
      else bare.add(spec);
    }
    return { files: seen, bare };
  }

  it('dist/cli.js loads commander and Node built-ins only; core, zod, yaml and the plugins wait for a command', () => {
    const { files, bare } = staticGraph(join(dist, 'cli.js'));
    expect(files.size).toBeGreaterThan(1);
    expect([...bare].filter((s) => s !== 'commander' && !/^(node:)?(fs|path|url|module|os|crypto|child_process)$/.test(s))).toEqual([]);
    // A command is a chunk of its own, imported when it runs.
    expect(readFileSync(join(dist, 'cli.js'), 'utf8') + [...files].map((f) => readFileSync(f, 'utf8')).join('\n')).toMatch(/import\(["']\.\/run-[A-Z0-9]+\.js["']\)/);
  });
});

describe('the bundle', () => {
  const chunks = readdirSync(dist).filter((f) => f.endsWith('.js'));
  const text = (f: string) => readFileSync(join(dist, f), 'utf8');

  it('holds the built-in plugins and their transports, one chunk per transport, with named exports', () => {
    for (const pkg of ['@tester/observer-api', '@tester/observer-kafka', '@tester/observer-prometheus', '@tester/assertions', 'undici', 'kafkajs']) {
      expect(chunks.filter((f) => new RegExp(`from ['"]${pkg}['"]|import\\(['"]${pkg}['"]\\)`).test(text(f))), `${pkg} imported by name`).toEqual([]);
    }
    // One copy of each transport (the workspace installs undici once per plugin), and `const { request } = await
    // import('undici')` finds its names, as it does when Node loads the package itself.
    for (const name of ['undici', 'kafkajs']) expect(chunks.filter((f) => f.startsWith(`${name}-`)), name).toHaveLength(1);
    expect(text(chunks.find((f) => f.startsWith('undici-'))!)).toMatch(/export \{[^}]*\bAgent\b[^}]*\brequest\b/);
    expect(text(chunks.find((f) => f.startsWith('kafkajs-'))!)).toMatch(/export \{[^}]*\bKafka\b/);
  });

  it('carries the licence of each third-party package it bundles (MIT asks for its notice in every copy)', () => {
    const notices = readFileSync(join(dist, 'THIRD-PARTY-NOTICES.md'), 'utf8');
    for (const name of ['undici', 'kafkajs', 'commander']) expect(notices).toMatch(new RegExp(`^## ${name} \\d+\\.\\d+\\.\\d+ \\(MIT\\)\\n\\n[^#]*Permission is hereby granted`, 'm'));
    // And core's, for what core bundles (zod and cel-js are MIT, yaml ISC).
    const core = readFileSync(join(dist, '..', '..', 'core', 'dist', 'THIRD-PARTY-NOTICES.md'), 'utf8');
    for (const [name, licence] of [['zod', 'MIT'], ['yaml', 'ISC'], ['@marcbachmann/cel-js', 'MIT']]) {
      expect(core).toMatch(new RegExp(`^## ${name} \\d+\\.\\d+\\.\\d+ \\(${licence}\\)\\n\\n[^#]*Permission (?:is hereby granted|to use, copy, modify)`, 'm'));
    }
  });

  it('leaves @tester/core to Node, with the zod and yaml it bundles, so that a third-party plugin shares them with the CLI', () => {
    const all = chunks.map(text).join('\n');
    expect(all).toMatch(/from ['"]@tester\/core['"]/);
    expect(all).toMatch(/from ['"]@tester\/core\/runner['"]/);
    expect(all).toMatch(/from ['"]@tester\/core\/yaml['"]/);
    // Core's own classes, zod's and yaml's are defined in core only.
    expect(all).not.toMatch(/class TesterError\b/);
    expect(all).not.toMatch(/\$constructor\(["']ZodType["']/);
    expect(all).not.toMatch(/Symbol\.for\(["']yaml\.map["']\)/);
  });
});

describe('what a command loads', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tester-loads-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /**
   * Runs the bin with a module loader hook that writes down every URL Node's loader loads (every ES module, and
   * every CommonJS package entry imported from one), and returns those URLs.
   */
  async function loadedBy(args: string[]): Promise<string[]> {
    const log = join(tmp, `loaded-${args[0]}.txt`);
    rmSync(log, { force: true });
    const hooks = join(tmp, 'hooks.mjs');
    writeFileSync(hooks, `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  appendFileSync(${JSON.stringify(log)}, url + '\\n');\n  return next(url, context);\n}\n`);
    const register = join(tmp, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    const r = await runCli(args, { cwd: tmp, env: { ...PRIVATE.env, NODE_OPTIONS: `--import=${pathToFileURL(register).href}` } });
    expect(r, r.stderr).toMatchObject({ code: 0 });
    return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  }

  it('validate loads no transport (undici, kafkajs) and no module of core’s dependencies: a few files in all', async () => {
    mkdirSync(join(tmp, 'scenarios'), { recursive: true });
    copyFileSync(join(SCENARIOS, 'mysql_failure.yaml'), join(tmp, 'scenarios', 'mysql_failure.yaml'));
    const urls = await loadedBy(['validate', 'scenarios/mysql_failure.yaml']);
    // The hook sees what validate needs (so an empty list cannot pass): the CLI, core, the plugins.
    for (const needed of [/\/cli\/dist\/cli\.js$/, /\/core\/dist\/runner\.js$/, /\/core\/dist\/yaml\.js$/, /\/observer-api\/dist\/|\/cli\/dist\/.*\.js$/]) {
      expect(urls.some((u) => needed.test(u)), `${String(needed)} in ${urls.length} URLs`).toBe(true);
    }
    expect(urls.filter((u) => /[/-](undici|kafkajs)[-/.]/.test(u))).toEqual([]);
    // Core's dependencies come bundled in core's own files: a module each instead of ~260 (yaml 146, zod 99,
    // cel-js 15), which was most of what Node's loader did before a run's first action.
    expect(urls.filter((u) => /\/node_modules\/(zod|yaml|@marcbachmann\/cel-js)\//.test(u))).toEqual([]);
    expect(urls.length).toBeLessThan(60);
  }, 60_000);
});
