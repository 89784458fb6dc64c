// @tester/core bundles its zod (core's README, "Entry points"): a third-party plugin that builds its schemas with its
// own copy of zod 4 must still be read exactly by the built core the CLI loads.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe("a plugin's schema made with its own zod, read by the built core", () => {
  const out = JSON.parse(execFileSync(process.execPath, [join(__dirname, 'fixtures', 'own-zod', 'read.mjs')], { encoding: 'utf8' })) as {
    sameZod: boolean;
    good: { params?: unknown };
    bad: { problems?: unknown[] };
    jsonSchema: string;
  };

  it('is another copy than core’s (or the other checks would prove nothing)', () => {
    expect(out.sameZod).toBe(false);
  });

  it('has its defaults applied, an unknown key refused at its line and column, and its keys in the JSON Schema', () => {
    expect(out.good).toEqual({ params: { system: 'a', times: 3 } });
    expect(out.bad.problems).toEqual([expect.objectContaining({ line: 5, column: 5, path: 'actions[0].extra', message: expect.stringMatching(/unknown key "extra"/) })]);
    expect(out.jsonSchema).toMatch(/"times":\{"default":3,"type":"integer"/);
  });
});
