/**
 * `@tester/assertions`: the `states`, `policies`, `events`, `metrics` and `timing` expectation sections.
 *
 * ```ts
 * import { assertionsPlugin } from '@tester/assertions';
 * const plugins = [apiPlugin(), kafkaPlugin(), prometheusPlugin(), assertionsPlugin()];
 * ```
 */
import { definePlugin, InterestKinds, PLUGIN_API_VERSION, type AssertionDefinition, type TesterPlugin } from '@tester/core';
import { createEventsEvaluator } from './events/evaluator';
import { eventsItemSchema, type EventsItem } from './events/schema';
import { createMetricsEvaluator } from './metrics/evaluator';
import { metricQuery } from './metrics/query';
import { metricsItemSchema, metricsNeedsFault, type MetricsItem } from './metrics/schema';
import { createPoliciesEvaluator } from './policies/evaluator';
import { policiesItemSchema, type PoliciesItem } from './policies/schema';
import { createTimingEvaluator } from './timing/evaluator';
import { timingItemSchema, type TimingItem } from './timing/schema';
import { createStatesEvaluator } from './states/evaluator';
import { statesItemSchema, type StatesItem } from './states/schema';

export type { StatesItem } from './states/schema';
export type { EventsItem } from './events/schema';
export type { PoliciesItem } from './policies/schema';
export type { TimingItem } from './timing/schema';
export type { MetricsItem } from './metrics/schema';
export type { Comparator, Operand } from './metrics/comparator';

/** Options of {@link assertionsPlugin}. None yet; the object exists so options can be added compatibly. */
export type AssertionsPluginOptions = Record<string, never>;

const states: AssertionDefinition<StatesItem> = {
  schema: statesItemSchema,
  description: 'system states, from any source: final state (and hold), sequence, illegal states, within, time in a state, agreement of sources',
  create: (item) => createStatesEvaluator(item),
  needsFault: (item) => (item.within ? 'states within measures from a fault' : undefined),
};

const policies: AssertionDefinition<PoliciesItem> = {
  schema: policiesItemSchema,
  description: 'policy executions, from any source: should_fire, outcome, times, within, max_attempts, after',
  create: (item) => createPoliciesEvaluator(item),
  needsFault: (item) => (item.within ? 'policies within measures from a fault' : undefined),
};

const events: AssertionDefinition<EventsItem> = {
  schema: eventsItemSchema,
  description: 'events, from any source: count, exists/absent, order, no duplicates, within, where filters',
  create: (item) => createEventsEvaluator(item),
  needsFault: (item) => (item.within ? 'events within measures from a fault' : undefined),
};

const metrics: AssertionDefinition<MetricsItem> = {
  schema: metricsItemSchema,
  description: 'metric values: comparators at the window end, over a span, increase/rate, quantiles, baseline',
  create: (item) => createMetricsEvaluator(item),
  needsFault: (item) => metricsNeedsFault(item),
  // Declared before the observers start, so the query is sampled from the first poll on (a baseline needs that).
  interests: (item) => [{ source: item.source, kind: InterestKinds.promql, value: metricQuery(item) }],
};

const timing: AssertionDefinition<TimingItem> = {
  schema: timingItemSchema,
  description: "time to detect and time to recover, from the faults the actions injected (core's measure, as in the report)",
  create: (item) => createTimingEvaluator(item),
  needsFault: () => 'timing measures the time to detect and to recover from a fault',
};

/**
 * The built-in assertion families as one plugin: `states`, `policies`, `events`, `metrics`, `timing`.
 * Each section's item schema is strict (a misspelt key is an error) and each evaluator decides as soon as the
 * evidence allows; see the README for every key.
 */
export function assertionsPlugin(_options: AssertionsPluginOptions = {}): TesterPlugin {
  return definePlugin({
    name: '@tester/assertions',
    apiVersion: PLUGIN_API_VERSION,
    assertions: { states, policies, events, metrics, timing },
  });
}
