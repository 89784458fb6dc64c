/**
 * `@tester/core/yaml`: the YAML library core reads scenarios with (`yaml` 2.x, bundled into core), for tools that
 * read or edit YAML the way core does (the CLI's config files, the mutation operators) without loading a second copy.
 * `parseYaml` is core's own reader: a document with positions, duplicate keys refused.
 */
export { isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
export type { Document, LineCounter, Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
export { parseYaml } from './yaml-parse';
