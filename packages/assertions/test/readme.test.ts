/** The README's examples are real: the complete scenario loads, and every example in the reference tables is a valid item. */
import { readFileSync } from 'node:fs';
import { definePlugin, PLUGIN_API_VERSION, z } from '@tester/core';
import { parseScenario, formatProblem } from '@tester/core/runner';
import { describe, expect, it } from 'vitest';
import { assertionsPlugin } from '../src/index';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const chaos = definePlugin({
  name: 'chaos-only',
  apiVersion: PLUGIN_API_VERSION,
  actions: { CHAOS: { schema: z.strictObject({ system: z.string(), fault: z.string(), duration: z.number() }), injectsFaults: true, run: async () => undefined } },
});
const plugins = [chaos, assertionsPlugin()];

function load(yaml: string): string[] {
  const r = parseScenario(yaml, { file: 'README.md', plugins });
  return r.ok ? [] : r.problems.map(formatProblem);
}

/** Fields an example needs around it to be a whole item, tried in order. */
const BASES: Record<string, Record<string, unknown>[]> = {
  states: [{ system: 'mysql' }, { system: 'mysql', final_state: 'CONNECTED' }],
  policies: [{ policy_id: 'auto-recover' }, { policy_id: 'auto-recover', should_fire: true }],
  events: [{ type: 'CONNECTION_LOST' }, { type: 'CONNECTION_LOST', exists: true }],
  // absent and stalled take no value.
  metrics: [{ value: '< 1' }, { name: 'm', value: '< 1' }, { name: 'm', quantile: 0.9, value: '< 1' }, { query: 'up', value: '< 1' }, { name: 'm' }],
  timing: [{}, { time_to_recover: '5s' }],
};

function examples(section: string): string[][] {
  const start = readme.indexOf(`### \`${section}\``);
  const end = readme.indexOf('\n#', start + 1);
  const rows = readme.slice(start, end).split('\n').filter((l) => l.startsWith('| `'));
  return rows.flatMap((row) => {
    const last = row.replace(/^\|/, '').replace(/\|\s*$/, '').split('|').at(-1)!;
    const lines = last.split('<br>').map((part) => part.trim().replace(/^`|`$/g, ''));
    // `<br>` joins either the lines of one item or alternatives of one key (`after: { event }` / `after: { state }`).
    const keys = lines.map((l) => /^(\w+):/.exec(l)?.[1]);
    return new Set(keys).size === keys.length ? [lines] : lines.map((l) => [l]);
  });
}

function itemYaml(section: string, base: Record<string, unknown>, lines: string[]): string {
  const keys = new Set(lines.map((l) => /^(\w+):/.exec(l)?.[1]));
  const baseLines = Object.entries(base).filter(([k]) => !keys.has(k)).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  const item = [...baseLines, ...lines].map((l, i) => `${i === 0 ? '  - ' : '    '}${l}`).join('\n');
  return `name: readme\nactions:\n  - type: CHAOS\n    system: mysql\n    fault: CONNECTION_LOSS\n    duration: 1\nexpectations:\n  ${section}:\n${item.replace(/^/gm, '  ')}\n`;
}

describe('README', () => {
  it('the complete scenario loads', () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(load(yaml)).toEqual([]);
  });

  for (const section of Object.keys(BASES)) {
    it(`every ${section} example is a valid item`, () => {
      const all = examples(section);
      expect(all.length).toBeGreaterThan(4);
      const bad: string[] = [];
      for (const lines of all) {
        const attempts = BASES[section]!.map((base) => load(itemYaml(section, base, lines)));
        if (attempts.every((p) => p.length)) bad.push(`${lines.join(' / ')}: ${attempts[0]!.join('; ')}`);
      }
      expect(bad).toEqual([]);
    });
  }
});
