/**
 * The scenario schema: core's keys, plus each plugin's action types (by `type`) and expectation sections (by
 * key). The loader validates with the same pieces, stage by stage, so that an unknown action type gets
 * "did you mean" instead of a wall of union errors.
 */
import { z, type ZodType } from 'zod';
import type { TesterPlugin } from './contract';
import { durationSchema, positiveDurationSchema } from './duration';
import { createRegistry } from './registry';
import { isObjectSchema } from './zod-walk';

/** Default scenario `timeout` when a scenario gives none: 120 seconds, the seed's value. */
export const DEFAULT_TIMEOUT_MS = 120_000;

const actionCommon = {
  type: z.string().meta({ description: 'The action type, provided by a plugin (CHAOS, HTTP, KAFKA_PUBLISH, ...).' }),
  id: z.string().min(1).optional().meta({ description: 'A name for the action, used in results and logs. Default: actions[i].' }),
  harmless: z
    .boolean()
    .optional()
    .meta({ description: 'The fault this action injects is expected to have no observable effect (else a fault with no effect makes the scenario an error: it proves nothing).' }),
  after_fault: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'The id of an earlier action that injects a fault: this action runs once that fault has ended (a repair after an outage), not as soon as the fault is in place.' }),
};

/** The keys core itself owns, with the action and expectation items left open (plugins validate those). */
export function coreScenarioSchema(action: ZodType = z.looseObject(actionCommon), expectations: ZodType = z.record(z.string(), z.unknown())) {
  return z
    .strictObject({
      name: z.string().min(1).meta({ description: 'Unique scenario name (mysql_failure).' }),
      description: z.string().optional().meta({ description: 'What this scenario tests.' }),
      timeout: positiveDurationSchema.optional().meta({ description: 'Deadline of the whole scenario: more than 0, at most 24h. Default: 120 (seconds).' }),
      tags: z.array(z.string().min(1)).optional().meta({ description: 'Free labels for selecting scenarios.' }),
      systems: z.array(z.string().min(1)).optional().meta({ description: 'Systems this scenario touches. Default: inferred from its actions.' }),
      variables: z
        .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
        .optional()
        .meta({ description: 'Values for ${name} references; ${env:NAME} reads the environment.' }),
      preconditions: z
        .array(z.string().min(1))
        .optional()
        .meta({ description: 'CEL expressions over the observed state; awaited (event-driven) until all are true, up to preconditions_timeout.' }),
      preconditions_timeout: durationSchema
        .optional()
        .meta({ description: 'How long to wait for the preconditions to hold before the scenario is an error. Default: 15 s (at most half the timeout).' }),
      actions: z.array(action).optional().meta({ description: 'Actions, run in order.' }),
      expectations: expectations.optional().meta({ description: 'Expectation sections, each a list of items.' }),
      window: z
        .strictObject({
          settle: durationSchema
            .optional()
            .meta({ description: 'How long the systems must be quiet (every fault ended, nothing in progress, no relevant observation) to count as settled. Default: 2s.' }),
          after: durationSchema.optional().meta({ description: 'Extra span after the systems settled, before the window closes. Default: 0.' }),
        })
        .optional()
        .meta({ description: 'Window settings (see "Windows, settling and barriers").' }),
    })
    .meta({ title: 'tester scenario' });
}

function actionItemSchema(type: string, schema: ZodType): ZodType {
  const common = z.object({ type: z.literal(type), id: actionCommon.id, harmless: actionCommon.harmless, after_fault: actionCommon.after_fault });
  return isObjectSchema(schema) ? (schema as z.ZodObject).extend(common.shape) : z.intersection(common, schema);
}

/** The whole scenario schema for these plugins, as one zod schema (used for the JSON Schema). */
export function buildScenarioSchema(plugins: readonly TesterPlugin[]) {
  const registry = createRegistry(plugins);
  const actions = [...registry.actions].map(([type, { definition }]) =>
    actionItemSchema(type, definition.schema).meta({ description: definition.description ?? `${type} action` }),
  );
  const action =
    actions.length === 0 ? z.looseObject(actionCommon) : actions.length === 1 ? actions[0]! : z.union(actions as [ZodType, ZodType, ...ZodType[]]);
  const sections: Record<string, ZodType> = {};
  for (const [key, { definition }] of registry.assertions) {
    sections[key] = z.union([z.array(definition.schema), definition.schema]).optional().meta({ description: definition.description ?? `${key} expectations` });
  }
  const expectations = registry.assertions.size === 0 ? z.record(z.string(), z.unknown()) : z.strictObject(sections);
  return coreScenarioSchema(action, expectations);
}

/**
 * The JSON Schema of scenarios for these plugins, generated from the same zod schemas the loader uses.
 * Point an editor at it with `# yaml-language-server: $schema=./scenario.schema.json`.
 */
export function scenarioJsonSchema(plugins: readonly TesterPlugin[]): Record<string, unknown> {
  return z.toJSONSchema(buildScenarioSchema(plugins), { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
}
