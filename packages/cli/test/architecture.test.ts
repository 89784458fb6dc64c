// DESIGN.md's dependency direction, checked two ways: on the Nx project graph (what `nx graph` shows) and on
// the ESLint rule that stops a forbidden import before it is written.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
