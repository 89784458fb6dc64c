/** The CLI's exit codes, as promised by the seed and DESIGN.md. */
export const EXIT = {
  /** Every scenario passed. */
  passed: 0,
  /** At least one scenario failed or errored. */
  failed: 1,
  /** The tester could not start: bad flags, invalid config or scenario. */
  cannotStart: 2,
} as const;
