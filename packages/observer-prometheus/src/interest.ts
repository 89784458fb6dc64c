/**
 * How the scenario's expectations ask this observer to run a query: through core's interests. An assertion
 * section declares `{ source: 'prometheus', kind: 'promql', value: query }` for an item
 * (`AssertionDefinition.interests`), core collects them before the observers start, and this observer runs every
 * one it gets in `ctx.interests` from its first poll on, so a `baseline` is sampled before the fault.
 * For a `name:` + `labels:` expectation the query is core's `promqlSelector(name, labels)`: the join key.
 */

import { InterestKinds, ObservationKinds } from '@tester/core';

/** The interest kind this observer runs: a PromQL query (core's `InterestKinds.promql`, under its former name). */
export const PROMQL_INTEREST = InterestKinds.promql;
/** Core's `ObservationKinds.metricEmpty`, under its former name: a query answered no series (`MetricEmptyData`). */
export const METRIC_EMPTY_KIND = ObservationKinds.metricEmpty;
/** Core's `ObservationKinds.metricError`, under its former name: Prometheus rejected a query (`MetricErrorData`). */
export const METRIC_ERROR_KIND = ObservationKinds.metricError;
