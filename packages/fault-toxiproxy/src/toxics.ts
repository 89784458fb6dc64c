/**
 * The toxics Toxiproxy 2.x provides, with the attributes each one takes (Toxiproxy silently ignores attributes it
 * does not know and treats missing ones as 0, so tester checks both before sending anything).
 */

/** Attributes of one toxic type: which are required, which optional, and their unit (for messages and docs). */
export interface ToxicSpec {
  required: readonly string[];
  optional: readonly string[];
  /** The fault name reported to core (`LATENCY`). */
  fault: string;
}

export const TOXICS = {
  /** Adds `latency` ms (± `jitter` ms) to the data. */
  latency: { required: ['latency'], optional: ['jitter'], fault: 'LATENCY' },
  /** Limits the rate to `rate` KB/s. */
  bandwidth: { required: ['rate'], optional: [], fault: 'BANDWIDTH' },
  /** Delays closing the connection by `delay` ms once the other side closed. */
  slow_close: { required: ['delay'], optional: [], fault: 'SLOW_CLOSE' },
  /** Stops all data; closes the connection after `timeout` ms (0: never). */
  timeout: { required: [], optional: ['timeout'], fault: 'TIMEOUT' },
  /** Resets the connection (TCP RST) after `timeout` ms (0: at once). */
  reset_peer: { required: [], optional: ['timeout'], fault: 'RESET_PEER' },
  /** Slices data into packets of `average_size` bytes (± `size_variation`), `delay` MICROseconds apart. */
  slicer: { required: ['average_size'], optional: ['size_variation', 'delay'], fault: 'SLICER' },
  /** Closes the connection once `bytes` bytes went through. */
  limit_data: { required: ['bytes'], optional: [], fault: 'LIMIT_DATA' },
} as const satisfies Record<string, ToxicSpec>;

export type ToxicType = keyof typeof TOXICS;

export const TOXIC_TYPES = Object.keys(TOXICS) as [ToxicType, ...ToxicType[]];

/** Every attribute name any toxic takes. */
export const ATTRIBUTE_NAMES = ['latency', 'jitter', 'rate', 'delay', 'timeout', 'average_size', 'size_variation', 'bytes'] as const;

/** The problems with `attributes` for a toxic of `type`, one message per attribute. */
export function attributeProblems(type: ToxicType, attributes: Record<string, unknown>): Array<{ key: string; message: string }> {
  const spec: ToxicSpec = TOXICS[type];
  const allowed = [...spec.required, ...spec.optional];
  const problems: Array<{ key: string; message: string }> = [];
  for (const key of Object.keys(attributes)) {
    if (attributes[key] !== undefined && !allowed.includes(key)) {
      problems.push({ key, message: `a ${type} toxic takes ${allowed.join(', ')}, not ${key}` });
    }
  }
  for (const key of spec.required) {
    if (attributes[key] === undefined) problems.push({ key, message: `a ${type} toxic needs ${key}` });
  }
  return problems;
}
