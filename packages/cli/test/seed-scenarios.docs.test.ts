/**
 * The shipped scenarios and docs/writing-scenarios.md stay true: the scenarios validate with the built cli, the
 * page names every expectation key the built-in sections accept, its example config is accepted, and its links
 * point at files and headings that exist.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, runCli } from './helpers/cli';

const ROOT = join(__dirname, '..', '..', '..');
const DOC = join(ROOT, 'docs', 'writing-scenarios.md');
const doc = readFileSync(DOC, 'utf8');
const SEEDS = ['mysql_failure.yaml', 'chaos_latency_injection.yaml', 'policy_evaluation.yaml', 'reconciliation_loop.yaml'];

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
}
/** The keys an expectation section's item accepts, from the JSON Schema the cli prints. */
function itemKeys(section: JsonSchema): string[] {
  const item = section.anyOf?.find((s) => s.items)?.items ?? section.anyOf?.find((s) => s.properties) ?? section;
  const keys = new Set(Object.keys(item.properties ?? {}));
  for (const alt of item.anyOf ?? []) for (const k of Object.keys(alt.properties ?? {})) keys.add(k);
  return [...keys];
}

describe('the shipped scenarios', () => {
  it('are exactly the four seed scenarios, each with the editor schema line, and tester validate accepts them', async () => {
    const files = readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual([...SEEDS].sort());
    for (const f of files) expect(readFileSync(join(ROOT, 'scenarios', f), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./scenario.schema.json');
    const r = await runCli(['validate', 'scenarios'], { cwd: ROOT, env: { TESTER_CONFIG: undefined } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('4 scenario file(s) valid.');
  });

  it('scenarios/scenario.schema.json is the one tester schema prints (regenerate it with npx tester schema)', async () => {
    const r = await runCli(['schema'], { cwd: fixture({}) });
    expect(r.code, r.stderr).toBe(0);
    const stale = 'scenarios/scenario.schema.json is out of date: run `npx tester schema > scenarios/scenario.schema.json` in the repository root';
    expect(JSON.parse(r.stdout), stale).toEqual(JSON.parse(readFileSync(join(ROOT, 'scenarios', 'scenario.schema.json'), 'utf8')));
  });
});

describe('docs/writing-scenarios.md', () => {
  it('names every key of every built-in expectation section', async () => {
    const r = await runCli(['schema'], { cwd: fixture({}) });
    const sections = (JSON.parse(r.stdout) as { properties: { expectations: JsonSchema } }).properties.expectations.properties!;
    expect(Object.keys(sections).sort()).toEqual(['events', 'metrics', 'policies', 'states', 'timing']);
    const missing = Object.entries(sections).flatMap(([name, schema]) => itemKeys(schema).filter((k) => !doc.includes(`\`${k}\``)).map((k) => `${name}.${k}`));
    expect(missing).toEqual([]);
  });

  it('its example config for your own control plane is accepted by tester (plugin blocks included)', async () => {
    const config = /```yaml\n(# where the three sources are[\s\S]*?)```/.exec(doc)?.[1];
    expect(config).toBeDefined();
    const dir = fixture({ 'tester.config.yaml': config!, [`scenarios/${SEEDS[0]}`]: readFileSync(join(ROOT, 'scenarios', SEEDS[0]!), 'utf8') });
    const r = await runCli(['validate'], { cwd: dir, env: { KAFKA_PASSWORD: 'not-a-real-one', TESTER_CONFIG: undefined } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const list = await runCli(['list', '--json'], { cwd: dir, env: { KAFKA_PASSWORD: 'not-a-real-one', TESTER_CONFIG: undefined } });
    expect(list.code, list.stderr).toBe(0);
  });

  it('every relative link points at an existing file, and every #anchor at a heading there', () => {
    const links = [...doc.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]!).filter((l) => !/^https?:/.test(l));
    expect(links.length).toBeGreaterThan(10);
    for (const link of links) {
      const [path, anchor] = link.split('#') as [string, string | undefined];
      const target = resolve(dirname(DOC), path);
      expect(existsSync(target), link).toBe(true);
      if (anchor) {
        const headings = readFileSync(target, 'utf8')
          .split('\n')
          .filter((l) => /^#{1,6} /.test(l))
          .map((l) => slug(l.replace(/^#+ /, '')));
        expect(headings, link).toContain(anchor);
      }
    }
  });
});
