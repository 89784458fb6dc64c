// DESIGN.md's dependency direction, checked two ways: on the Nx project graph (what `nx graph` shows) and on
// the ESLint rule that stops a forbidden import before it is written.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Edges DESIGN.md allows between @tester packages: cli -> {observer-*, assertions} -> core. */
const allowed: Record<string, string[]> = {
  '@tester/core': [],
  '@tester/observer-api': ['@tester/core'],
  '@tester/observer-kafka': ['@tester/core'],
  '@tester/observer-prometheus': ['@tester/core'],
  '@tester/assertions': ['@tester/core'],
  '@tester/cli': ['@tester/core', '@tester/observer-api', '@tester/observer-kafka', '@tester/observer-prometheus', '@tester/assertions'],
};

describe('the project graph', () => {
  it('has no edge between @tester packages that DESIGN.md forbids', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tester-graph-'));
    try {
      const file = join(dir, 'graph.json');
      execFileSync(process.execPath, [join(root, 'node_modules/nx/dist/bin/nx.js'), 'graph', `--file=${file}`], {
        cwd: root,
        env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
        stdio: 'pipe',
      });
      const graph = JSON.parse(readFileSync(file, 'utf8')) as {
        graph: { nodes: Record<string, unknown>; dependencies: Record<string, { target: string; type: string }[]> };
      };
      for (const name of Object.keys(allowed)) expect(graph.graph.nodes, `project ${name} in the graph`).toHaveProperty([name]);
      const forbidden: string[] = [];
      for (const [source, deps] of Object.entries(graph.graph.dependencies)) {
        const permitted = allowed[source];
        if (!permitted) continue;
        for (const dep of deps) {
          if (dep.target in allowed && !permitted.includes(dep.target)) forbidden.push(`${source} -> ${dep.target}`);
        }
      }
      expect(forbidden).toEqual([]);
      // The edges that must exist, so that this test cannot pass on an empty graph.
      const cliTargets = (graph.graph.dependencies['@tester/cli'] ?? []).map((d) => d.target);
      expect(cliTargets).toEqual(expect.arrayContaining(allowed['@tester/cli'] ?? []));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('keeps transport libraries out of core dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    const deps = Object.keys(pkg.dependencies ?? {});
    expect(deps).not.toEqual(expect.arrayContaining(['undici']));
    for (const transport of ['undici', 'kafkajs', 'mysql2', 'prom-client']) expect(deps).not.toContain(transport);
  });
});

describe('the lint rule for module boundaries', () => {
  const eslint = new ESLint({ cwd: root });
  const lint = async (filePath: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };

  it.each([
    ['packages/core/src/x.ts', "import { request } from 'undici';", /Core knows no transport/],
    ['packages/core/src/x.ts', "import { Kafka } from 'kafkajs';", /Core knows no transport/],
    ['packages/core/src/x.ts', "import { apiPlugin } from '@tester/observer-api';", /core depends on no other/],
    ['packages/observer-api/src/x.ts', "import { kafkaPlugin } from '@tester/observer-kafka';", /observers know nothing of each other/],
    ['packages/observer-kafka/src/x.ts', "import { x } from '@tester/observer-prometheus';", /observers know nothing of each other/],
    ['packages/assertions/src/x.ts', "import { apiPlugin } from '@tester/observer-api';", /assertions depend on @tester\/core only/],
    ['packages/observer-api/src/x.ts', "import { main } from '@tester/cli';", /observers know nothing/],
    ['packages/cli/src/x.ts', "import { x } from '../../core/src/index';", /by their @tester\/ name/],
  ])('forbids %s: %s', async (file, code, message) => {
    const messages = await lint(file, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(message);
  });

  it.each([
    ['packages/observer-api/src/x.ts', "import { definePlugin } from '@tester/core';"],
    ['packages/cli/src/x.ts', "import { apiPlugin } from '@tester/observer-api';"],
    ['packages/observer-kafka/src/x.ts', "import { Kafka } from 'kafkajs';"],
  ])('allows %s: %s', async (file, code) => {
    expect(await lint(file, code)).toEqual([]);
  });
});

/**
 * The CLI's own module graph, read from its sources: every value import (`import ... from`, `export ... from`, a
 * side-effect `import '...'`, and a lazy `import('...')`) between its files. Type-only imports are erased by the
 * build and cannot form a cycle at run time: they are left out.
 */
function cliModuleGraph(): Map<string, { to: string; lazy: boolean }[]> {
  const src = join(root, 'packages/cli/src');
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ts$/.test(e.name) && !/\.test(-d)?\.ts$/.test(e.name)) files.push(p);
    }
  };
  walk(src);
  const resolveSpec = (from: string, spec: string) => {
    const base = join(dirname(from), spec);
    return [`${base}.ts`, join(base, 'index.ts')].find((f) => existsSync(f));
  };
  const graph = new Map<string, { to: string; lazy: boolean }[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const edges: { to: string; lazy: boolean }[] = [];
    const add = (spec: string, lazy: boolean) => {
      if (!spec.startsWith('.')) return;
      const to = resolveSpec(file, spec);
      if (!to) throw new Error(`${relative(src, file)}: cannot resolve ${spec}`);
      edges.push({ to: relative(src, to), lazy });
    };
    for (const m of text.matchAll(/^(import|export)\s+(type\s)?[^'";]*?from\s*['"]([^'"]+)['"]/gm)) if (!m[2]) add(m[3]!, false);
    for (const m of text.matchAll(/^import\s*['"]([^'"]+)['"]/gm)) add(m[1]!, false);
    for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) add(m[1]!, true);
    graph.set(relative(src, file), edges);
  }
  return graph;
}

/** Every cycle's modules (strongly connected components of more than one module, or a module importing itself). */
function cycles(graph: Map<string, { to: string }[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    for (const { to } of graph.get(v) ?? []) {
      if (!idx.has(to)) {
        visit(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (stack.includes(to)) low.set(v, Math.min(low.get(v)!, idx.get(to)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).some((e) => e.to === v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('the CLI\'s module graph (packages/cli/src)', () => {
  const graph = cliModuleGraph();

  it('is read from the sources: the lazy command imports of main.ts are in it', () => {
    expect(graph.get('main.ts')).toContainEqual({ to: 'commands/run.ts', lazy: true });
    expect(graph.get('config/load.ts')).toContainEqual({ to: 'config/parse-text.ts', lazy: false });
    expect(cycles(new Map([['a.ts', [{ to: 'b.ts' }]], ['b.ts', [{ to: 'a.ts' }]], ['c.ts', [{ to: 'a.ts' }]]]))).toEqual([['a.ts', 'b.ts']]);
  });

  it('has no import cycle, lazy imports included', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('loads commander and Node built-ins only in main.ts and bin.ts; everything else waits for a command', () => {
    const reached = new Set<string>();
    const walk = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const e of graph.get(file) ?? []) if (!e.lazy) walk(e.to);
    };
    walk('bin.ts');
    walk('main.ts');
    const bare = [...reached].flatMap((f) =>
      [...readFileSync(join(root, 'packages/cli/src', f), 'utf8').matchAll(/^(?:import|export)\s+(type\s)?[^'";]*?from\s*['"]([^'"]+)['"]/gm)]
        .filter((m) => !m[1] && !m[2]!.startsWith('.'))
        .map((m) => m[2]!),
    );
    expect([...reached].sort()).toEqual(['bin.ts', 'exit-codes.ts', 'io.ts', 'main.ts', 'version.ts']);
    expect([...new Set(bare)].filter((s) => s !== 'commander' && !s.startsWith('node:'))).toEqual([]);
  });
});
