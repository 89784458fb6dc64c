/**
 * `${var}` and `${env:NAME}` substitution in scenario values. `$${` writes a literal `${`. Substituted values are
 * strings; a value that is exactly one reference (`count: ${n}`) is remembered, so that {@link coerceTyped} can
 * turn it into a number or boolean where the schema expects one (and leave `name: ${version}` a string).
 */
import type { ZodType } from 'zod';
import { schemaAt, typeOf } from './zod-walk';
import { quoteCapped } from './duration';
import { suggestion } from './suggest';
import type { PathProblem } from './issues';

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;

/** Where substitution looks up names. */
export interface SubstitutionScope {
  variables: Record<string, string>;
  env: Record<string, string | undefined>;
  /** Allow `${var}` (off inside the `variables` block itself, where only `${env:NAME}` applies). */
  allowVariables: boolean;
  /** Collects the paths of values that were exactly one reference. */
  whole?: PropertyKey[][];
}

/** Substitutes the references in one string; `path` is the caller's, copied only when something is recorded. */
function substituteString(text: string, path: readonly PropertyKey[], scope: SubstitutionScope, problems: PathProblem[]): unknown {
  let whole: string | undefined;
  const out = text.replace(REFERENCE, (match, ref: string | undefined, offset: number) => {
    if (match === '$${') return '${';
    const name = (ref ?? '').trim();
    let value: string | undefined;
    const shown = name.length > 60 ? `${name.slice(0, 60)}…` : name;
    if (name.startsWith('env:')) {
      const envName = name.slice(4).trim();
      value = Object.hasOwn(scope.env, envName) ? scope.env[envName] : undefined;
      if (value === undefined) problems.push({ path: [...path], message: `environment variable ${shown.slice(4).trim()} is not set (referenced as "\${${shown}}"): set it, or use a scenario variable` });
    } else if (!scope.allowVariables) {
      problems.push({ path: [...path], message: `"\${${shown}}": only \${env:NAME} can be used inside variables` });
    } else if (Object.hasOwn(scope.variables, name)) {
      value = scope.variables[name];
    } else {
      const known = Object.keys(scope.variables);
      problems.push({
        path: [...path],
        message: `unknown variable ${quoteCapped(name, 60)}${suggestion(name, known)} (defined: ${known.length ? known.join(', ') : 'none'}; define it under variables: or pass it with --var ${shown}=...)`,
      });
    }
    if (offset === 0 && match.length === text.length) whole = value;
    return value ?? match;
  });
  if (whole !== undefined) scope.whole?.push([...path]);
  return out;
}

/** Substitutes references in every string of `value` (recursively), reporting unknown names as problems. */
export function substitute(value: unknown, path: PropertyKey[], scope: SubstitutionScope, problems: PathProblem[]): unknown {
  return substituteAt(value, [...path], scope, problems);
}

/** {@link substitute} with one path array, grown and shrunk on the way: a copy per value was most of its cost. */
function substituteAt(value: unknown, path: PropertyKey[], scope: SubstitutionScope, problems: PathProblem[]): unknown {
  if (typeof value === 'string') return value.includes('${') ? substituteString(value, path, scope, problems) : value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      out[i] = substituteAt(value[i], path, scope, problems);
      path.pop();
    }
    return out;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      // The loader reports `__proto__` keys; assigning one would replace the object's prototype instead.
      if (key === '__proto__') continue;
      path.push(key);
      out[key] = substituteAt((value as Record<string, unknown>)[key], path, scope, problems);
      path.pop();
    }
    return out;
  }
  return value;
}

/**
 * Turns the strings at `paths` (relative to `base`) into numbers or booleans where `schema` expects one and the
 * string reads as one. Mutates `data`.
 */
export function coerceTyped(data: unknown, base: readonly PropertyKey[], schema: ZodType, paths: readonly PropertyKey[][]): void {
  for (const path of paths) {
    if (path.length <= base.length || !base.every((segment, i) => path[i] === segment)) continue;
    const relative = path.slice(base.length);
    const target = schemaAt(schema, relative);
    if (!target) continue;
    const parent = relative.slice(0, -1).reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key as string] : undefined), data);
    const key = relative[relative.length - 1] as string;
    if (!parent || typeof parent !== 'object') continue;
    const value = (parent as Record<string, unknown>)[key];
    if (typeof value !== 'string') continue;
    const expected = typeOf(target);
    if (expected === 'number' && /^-?\d+(\.\d+)?$/.test(value)) (parent as Record<string, unknown>)[key] = Number(value);
    else if (expected === 'boolean' && (value === 'true' || value === 'false')) (parent as Record<string, unknown>)[key] = value === 'true';
  }
}
