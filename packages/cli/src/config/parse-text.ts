import { isScalar, parseYaml, visit, type Document, type LineCounter } from '@tester/core/yaml';
import { describeIssues, type z } from '@tester/core';
import { INPUT_LIMITS, deepNestingOffset, documentProblems, formatPath } from '@tester/core/runner';
import { CliError } from '../errors';
import { interpolate } from './interpolate';
import type { ParsedTesterConfig } from './schema';

/**
 * Parses a YAML or JSON config (JSON is YAML) keeping positions, interpolates `${VAR}` in string scalars and
 * validates it with the schema `schemaFor` gives for it (the plugins it lists bind keys). Every problem is reported
 * as `file:line:col path: message`, worded by core's `describeIssues` as every plugin's config errors are.
 */
export function parseTextConfig(file: string, source: string, env: NodeJS.ProcessEnv, schemaFor: (raw: unknown) => z.ZodType): ParsedTesterConfig {
  const tooDeep = `nested too deeply to be read; at most ${INPUT_LIMITS.maxDepth} levels are accepted`;
  const deep = deepNestingOffset(source);
  if (deep !== undefined) {
    const before = source.slice(0, deep);
    const line = before.split('\n').length;
    throw new CliError('CONFIG_INVALID', `Invalid config:\n${file}:${line}:${deep - before.lastIndexOf('\n')} ${tooDeep}`);
  }
  let doc: Document;
  let lineCounter: LineCounter;
  try {
    ({ document: doc, lineCounter } = parseYaml(source));
  } catch (error) {
    // The YAML parser recurses per nesting level.
    throw new CliError('CONFIG_INVALID', `Invalid config:\n${file}:1:1 ${error instanceof RangeError ? tooDeep : (error as Error).message}`);
  }
  const at = (offset: number | undefined) => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    const lines = doc.errors.slice(0, INPUT_LIMITS.maxProblems).map((e) => `${at(e.pos[0])} ${/call stack/i.test(e.message) ? tooDeep : e.message.split('\n')[0]}`);
    throw new CliError('CONFIG_INVALID', `Invalid config:\n${lines.join('\n')}`);
  }
  // Before anything walks the document recursively or expands it: a cycle, an alias bomb, a depth, a __proto__.
  const structure = documentProblems(doc);
  if (structure.length > 0) {
    const lines = structure.slice(0, INPUT_LIMITS.maxProblems).map((p) => `${at(p.offset)} ${formatPath(p.path) || '(root)'}: ${p.message}`);
    throw new CliError('CONFIG_INVALID', `Invalid config:\n${lines.join('\n')}`);
  }
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && node.value.includes('${')) node.value = interpolate(node.value, env, at(node.range?.[0]));
    },
  });
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: INPUT_LIMITS.maxAliases }) ?? {};
  } catch (error) {
    throw new CliError('CONFIG_INVALID', `Invalid config:\n${file}:1:1 cannot read the YAML: ${(error as Error).message}`);
  }
  const schema = schemaFor(raw);
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data as ParsedTesterConfig;
  const problems = describeIssues(parsed.error.issues, schema, raw);
  const lines = problems.slice(0, INPUT_LIMITS.maxProblems).map((p) => {
    const offset = p.atKey ? nodeOffset(doc, p.path.slice(0, -1), String(p.path[p.path.length - 1])) : nodeOffset(doc, p.path);
    const line = `${at(offset)} ${p.place === '' ? '(root): ' : ''}${p.text}`;
    // No line may echo a whole bad value or key.
    return line.length > INPUT_LIMITS.maxMessage ? `${line.slice(0, INPUT_LIMITS.maxMessage)}… (cut)` : line;
  });
  if (problems.length > INPUT_LIMITS.maxProblems) lines.push(`${file}: ${problems.length - INPUT_LIMITS.maxProblems} more problem(s) not listed`);
  throw new CliError('CONFIG_INVALID', `Invalid config:\n${lines.join('\n')}`);
}

/** The source offset of the node at `path` (or of the unknown key `key` inside it), or the nearest parent. */
function nodeOffset(doc: Document, path: readonly PropertyKey[], key?: string): number | undefined {
  const segments = path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  for (let n = segments.length; n >= 0; n--) {
    const node = doc.getIn(segments.slice(0, n), true) as { range?: [number, number, number]; items?: { key: unknown }[] } | undefined;
    if (!node) continue;
    if (key !== undefined && n === segments.length && node.items) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
      if (pair && isScalar(pair.key)) return pair.key.range?.[0];
    }
    if (node.range) return node.range[0];
  }
  return undefined;
}
