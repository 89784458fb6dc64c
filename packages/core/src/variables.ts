/**
 * `${var}` and `${env:NAME}` substitution in scenario values. `$${` writes a literal `${`. A value that is
 * exactly one reference to a number or boolean (`count: ${n}`) takes that type, so it validates as one.
 */
import { suggestion } from './suggest';
import type { PathProblem } from './issues';

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;

/** Where substitution looks up names. */
export interface SubstitutionScope {
  variables: Record<string, string>;
  env: Record<string, string | undefined>;
  /** Allow `${var}` (off inside the `variables` block itself, where only `${env:NAME}` applies). */
  allowVariables: boolean;
}

function substituteString(text: string, path: PropertyKey[], scope: SubstitutionScope, problems: PathProblem[]): unknown {
  let whole: string | undefined;
  const out = text.replace(REFERENCE, (match, ref: string | undefined, offset: number) => {
    if (match === '$${') return '${';
    const name = (ref ?? '').trim();
    let value: string | undefined;
    if (name.startsWith('env:')) {
      const envName = name.slice(4).trim();
      value = scope.env[envName];
      if (value === undefined) problems.push({ path, message: `environment variable ${envName} is not set (referenced as "\${env:${envName}}"): set it, or use a scenario variable` });
    } else if (!scope.allowVariables) {
      problems.push({ path, message: `"\${${name}}": only \${env:NAME} can be used inside variables` });
    } else if (Object.hasOwn(scope.variables, name)) {
      value = scope.variables[name];
    } else {
      const known = Object.keys(scope.variables);
      problems.push({
        path,
        message: `unknown variable "${name}"${suggestion(name, known)} (defined: ${known.length ? known.join(', ') : 'none'}; define it under variables: or pass it with --var ${name}=...)`,
      });
    }
    if (offset === 0 && match.length === text.length) whole = value;
    return value ?? match;
  });
  if (whole !== undefined) {
    if (/^-?\d+(\.\d+)?$/.test(whole)) return Number(whole);
    if (whole === 'true' || whole === 'false') return whole === 'true';
  }
  return out;
}

/** Substitutes references in every string of `value` (recursively), reporting unknown names as problems. */
export function substitute(value: unknown, path: PropertyKey[], scope: SubstitutionScope, problems: PathProblem[]): unknown {
  if (typeof value === 'string') return value.includes('${') ? substituteString(value, path, scope, problems) : value;
  if (Array.isArray(value)) return value.map((item, i) => substitute(item, [...path, i], scope, problems));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = substitute(item, [...path, key], scope, problems);
    return out;
  }
  return value;
}
