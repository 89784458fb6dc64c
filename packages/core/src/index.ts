/**
 * `@tester/core`: what a plugin author needs, and nothing else. The plugin contract and `definePlugin`, zod, the
 * errors, the observation and interest vocabulary, the helpers observers and assertions are built from (`PollLoop`,
 * bounded waits, JSONata and CEL, durations). A harness that loads and runs scenarios imports `@tester/core/runner`
 * (as Vitest splits `vitest/config` from `vitest/node`). Two narrower audiences have their own entries:
 * `@tester/core/http` (the loopback and credential guards of a plugin that talks HTTP) and `@tester/core/promql`
 * (the PromQL selector and series key that the Prometheus observer and the metrics assertions join on).
 */

// The contract: plugins, observers, actions, assertions, and the contexts their hooks get.
export * from './contract';
export type { Clock } from './clock';
export type { Logger } from './logger';
export type { ObservationQuery, TimelineView } from './timeline-types';
export { z } from 'zod';

// Errors.
export { ErrorCodes, TesterError } from './errors';
export type { ErrorCode, TesterErrorOptions } from './errors';

// The observation and interest vocabulary, and system states.
export { ObservationKinds, EventTypes, InterestKinds } from './observation';
export type {
  Observation,
  ObservationInput,
  PackedObservation,
  ObservationCodec,
  ObservationRef,
  SystemStateData,
  EventData,
  EventDecodeErrorData,
  PolicyExecutionData,
  ChaosData,
  DriftData,
  ReconciliationData,
  MetricSampleData,
  MetricEmptyData,
  MetricAbsentData,
  MetricErrorData,
  CatalogData,
  FaultData,
  BlindnessData,
} from './observation';
export { STATE_VOCABULARIES, stateVocabulary, isStateVocabulary, classifyState, readState, SystemVocabularies } from './state-vocabulary';
export type { StateClass, StateVocabulary, StateReading, SystemVocabulary } from './state-vocabulary';
export { FaultTimings, faultToTime } from './runtime/timings';
export type { FaultTimingsOptions, MeasuredTime, SystemSighting } from './runtime/timings';

// What observers, actions and assertions are built from.
export { PollLoop } from './poll-loop';
export type { PollLoopOptions } from './poll-loop';
export { abortAt, abortable } from './deadline';
export { onFirstUse } from './first-use';
export { timedFault } from './timed-fault';
export type { TimedFaultSpec } from './timed-fault';
export { compileJsonQuery, JsonQueryError } from './json-query';
export type { JsonQuery, JsonQueryLimits } from './json-query';
export { compileCel } from './cel';
export type { CelProgram } from './cel';
export { regexProblem } from './safe-regex';
export { formatRef } from './ref-format';
export { parsePluginOptions, describeIssues } from './plugin-options';
export type { IssueProblem, PluginOptionsSource } from './plugin-options';
export { Redactor, excerpt } from './redact';
export { parseDuration, durationSchema, positiveDurationSchema, durationAtLeast, formatMs } from './duration';
export { didYouMean, levenshtein } from './suggest';
