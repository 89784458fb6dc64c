/** Durations as scenarios write them (core's `durationSchema`: numbers are seconds), and how messages show them. */
export { durationSchema, formatMs, parseDuration } from '@tester/core';
