import { describe, expect, it } from 'vitest';
import { scenarioJsonSchema } from './scenario-schema';
import { seedPlugins } from '../test/fixtures/seed-plugins';

describe('scenarioJsonSchema', () => {
  it("core alone: core's keys with open actions and expectations", async () => {
    await expect(JSON.stringify(scenarioJsonSchema([]), null, 2)).toMatchFileSnapshot('./__snapshots__/scenario.schema.core.json');
  });

  it('with plugins: each action type and section, from the same zod schemas the loader uses', async () => {
    const schema = scenarioJsonSchema(seedPlugins) as { properties: Record<string, { items?: { anyOf?: Array<{ properties: Record<string, unknown> }> }; properties?: Record<string, unknown> }> };
    expect(schema.properties.actions!.items!.anyOf!.map((a) => a.properties.type)).toEqual([{ type: 'string', const: 'CHAOS' }, { type: 'string', const: 'HTTP' }]);
    expect(Object.keys(schema.properties.expectations!.properties!)).toEqual(['states', 'policies', 'events']);
    await expect(JSON.stringify(schema, null, 2)).toMatchFileSnapshot('./__snapshots__/scenario.schema.fake-plugins.json');
  });
});
