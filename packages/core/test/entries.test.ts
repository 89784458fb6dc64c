import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as main from '../src/index';
import * as http from '../src/http-guards';
import * as promql from '../src/promql';
import * as runner from '../src/runner';
import * as testing from '../src/testing';
import * as yaml from '../src/yaml';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, unknown> };

describe("core's public surface, one entry per audience", () => {
  it('the main entry (plugin authors) exports at most 40 runtime names', () => {
    // The issue "One contract" asks for about 40: what a plugin author needs. A new helper for one audience
    // belongs in that audience's entry (runner, testing, http, promql, yaml), not here.
    expect(Object.keys(main).length).toBeLessThanOrEqual(40);
  });

  it('every runtime name has one home: no entry re-exports another entry’s names', () => {
    const entries = { main, http, promql, runner, testing, yaml } as Record<string, object>;
    const homes = new Map<string, string[]>();
    for (const [entry, mod] of Object.entries(entries)) for (const name of Object.keys(mod)) homes.set(name, [...(homes.get(name) ?? []), entry]);
    expect([...homes].filter(([, where]) => where.length > 1)).toEqual([]);
  });

  it('package.json exports exactly the built entries', () => {
    expect(Object.keys(pkg.exports).filter((k) => k !== './package.json' && !k.endsWith('.json'))).toEqual(['.', './runner', './testing', './http', './promql', './yaml']);
  });
});
