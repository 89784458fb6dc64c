/**
 * The `resources` block: a third-party system's own REST resources, mapped onto `system.state` by JSONata queries
 * (core's {@link compileJsonQuery}). Every query is compiled when the config is parsed, so a wrong one is
 * `CONFIG_INVALID` naming its field and column before anything runs.
 *
 * JSONata rather than JMESPath (core's choice for every observer): a resource is often a map keyed by name
 * (Kafka Connect's `GET /connectors?expand=status`), and JSONata keeps the key (`$each`, `$keys`) and builds
 * names from parts (`$k & "/task-" & id`); JMESPath's object projections drop the keys and it cannot concatenate.
 */
import { compileJsonQuery, JsonQueryError, stateVocabulary, STATE_VOCABULARIES, z } from '@tester/core';

/** The built-in resources of the reference control plane; a resource of `resources` cannot take their names. */
export const BUILTIN_RESOURCES = ['systems', 'policies', 'chaos', 'drift', 'reconciliations'] as const;
export type BuiltinResource = (typeof BUILTIN_RESOURCES)[number];

/** The placeholder a per-URL resource's `get` carries, filled (URI-encoded) with each item of `each`. */
export const ITEM_PLACEHOLDER = '{item}';

const names = z.array(z.string().min(1));

/** A state vocabulary of one's own (core's `StateVocabulary`): which states mean what. */
const vocabularySchema = z.strictObject({
  /** The states in which the system works as it should; at least one. */
  healthy: names.min(1),
  /** Up but impaired, and it may stay so (settling does not wait for it). */
  degraded: names.optional(),
  /** On the way somewhere (starting, restarting, being assigned): settling waits for it to end. */
  transitional: names.optional(),
  /** Stopped on purpose. */
  paused: names.optional(),
  /** Down. */
  failed: names.optional(),
});

/** One resource of `resources`. */
export const resourceSchema = z.strictObject({
  /** Names the resource in messages and blindness (`connectors`). */
  name: z.string().regex(/^[A-Za-z0-9][\w.-]*$/, 'expected a name of letters, digits, ".", "_" and "-" (such as connectors)'),
  /**
   * The path under `baseUrl` (or an absolute loopback/allowed URL) to GET. With `each`, it is fetched once per item,
   * `{item}` replaced by the item, URI-encoded: `/connectors/{item}/status`.
   */
  get: z.string().min(1),
  /**
   * Makes the resource one object per URL: the items `{item}` takes, either listed (`[my-connector]`) or read at
   * every poll from a list resource (`{ get: /connectors, items: '$' }`, `items` being a JSONata query that
   * yields the items: a list of strings).
   */
  each: z
    .union([
      names.min(1),
      z.strictObject({
        /** The list resource to GET at every poll. */
        get: z.string().min(1),
        /** JSONata over its body yielding the items (strings or numbers): `'$'` for a list of names. */
        items: z.string().min(1),
      }),
    ])
    .optional(),
  /**
   * JSONata over the body, yielding the states: a list of `{ system, state, since?, detail? }` with string
   * `system` and `state` (nested lists are flattened; a single object is a list of one; no result is no states).
   * With `each`, evaluated on each item's body with `$item` bound to the item.
   */
  states: z.string().min(1),
  /** The systems' kind: a state vocabulary preset of core (`kafka-connect`, `control-plane`), set on every state. */
  kind: z.string().min(1).optional(),
  /** The systems' own state vocabulary (wins over `kind`'s preset), set on every state. */
  vocabulary: vocabularySchema.optional(),
  /**
   * Whether the systems it yields are the catalog of systems (with the built-in `systems` and the other
   * resources): an expectation naming a system none of them lists is then `error` at once. @default true
   */
  catalog: z.boolean().default(true),
});

/** One resource of `resources`, as parsed. */
export type ResourceSpec = z.output<typeof resourceSchema>;
/** One resource of `resources`, as written in options or the config file. */
export type ApiResourceOptions = z.input<typeof resourceSchema>;

/** Where a query is written, for messages: `api.resources[0].states`. */
export const resourcePlace = (index: number, field: string): string => `api.resources[${index}].${field}`;

/**
 * Compiles `source` and reports a syntax error as an issue at `path` carrying core's located message (it
 * already names the field and the column, so core's option formatter prints it as it is).
 */
export function checkQuery(source: string, where: string, ctx: z.RefinementCtx, path: PropertyKey[]): void {
  try {
    compileJsonQuery(source, where);
  } catch (error) {
    if (!(error instanceof JsonQueryError)) throw error;
    ctx.addIssue({ code: 'custom', path, message: error.message });
  }
}

/** The checks zod cannot express one field at a time: names, placeholders, kinds, and every query compiled. */
export function checkResources(resources: ResourceSpec[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  resources.forEach((r, i) => {
    if ((BUILTIN_RESOURCES as readonly string[]).includes(r.name)) {
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${r.name}" is a built-in resource (${BUILTIN_RESOURCES.join(', ')}); choose another name` });
    } else if (seen.has(r.name)) {
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${r.name}" names two resources; give each its own name` });
    }
    seen.add(r.name);
    const placeholder = r.get.includes(ITEM_PLACEHOLDER);
    if (r.each && !placeholder) {
      ctx.addIssue({ code: 'custom', path: [i, 'get'], message: `a resource with each must put ${ITEM_PLACEHOLDER} in get (such as /connectors/${ITEM_PLACEHOLDER}/status)` });
    } else if (!r.each && placeholder) {
      ctx.addIssue({ code: 'custom', path: [i, 'get'], message: `${ITEM_PLACEHOLDER} needs each: the list of items (or { get, items }) that fill it` });
    }
    if (r.kind !== undefined && !r.vocabulary && !stateVocabulary(r.kind)) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'kind'],
        message: `unknown kind "${r.kind}": tester knows ${Object.keys(STATE_VOCABULARIES).join(', ')}; for another kind, give its vocabulary: { healthy: [...], transitional: [...], failed: [...] }`,
      });
    }
    checkQuery(r.states, resourcePlace(i, 'states'), ctx, [i, 'states']);
    if (r.each && !Array.isArray(r.each)) checkQuery(r.each.items, resourcePlace(i, 'each.items'), ctx, [i, 'each', 'items']);
  });
}
