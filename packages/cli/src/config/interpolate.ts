import { CliError, messageOf } from '../errors';

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` / `${VAR:-default}` in `text`. Throws (with `where` in the message) for an unset variable
 * without default, naming it, so a missing secret is never silently an empty string.
 */
export function interpolate(text: string, env: NodeJS.ProcessEnv, where: string): string {
  return text.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new CliError('CONFIG_INVALID', `${where}: environment variable ${name} is not set. Set it, or write \${${name}:-default}.`);
  });
}

/**
 * {@link interpolate} over every string in a JSON-like value (objects from `.mjs`/`.ts` configs), copying it into
 * plain data. Refuses, naming the field, what a config cannot mean: a value that contains itself (a cycle), a
 * getter that throws, a `__proto__` key, nesting deeper than 64 levels. Plugin objects and tuple options under
 * `plugins` are passed through untouched: they belong to the plugin.
 */
export function interpolateDeep(value: unknown, env: NodeJS.ProcessEnv, where: string): unknown {
  const ancestors = new Set<object>();
  const walk = (v: unknown, path: string[]): unknown => {
    const at = () => `${where} ${path.join('.') || '(root)'}`;
    if (typeof v === 'string') return interpolate(v, env, at());
    if (!v || typeof v !== 'object') return v;
    let plain: boolean;
    try {
      plain = Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null;
    } catch (error) {
      throw new CliError('CONFIG_INVALID', `${at()}: reading it threw: ${messageOf(error)}. A config exports plain data.`, { cause: error });
    }
    if (!plain) return v;
    if (ancestors.has(v)) throw new CliError('CONFIG_INVALID', `${at()}: the value contains itself (a cycle). A config exports plain data: copy the value instead.`);
    if (path.length > 64) throw new CliError('CONFIG_INVALID', `${at()}: nested more than 64 levels deep.`);
    ancestors.add(v);
    try {
      // A plugin object in `plugins` is the plugin's own: not config data to interpolate.
      const isPluginObject = (item: unknown) => path.length === 1 && path[0] === 'plugins' && !!item && typeof item === 'object' && !Array.isArray(item);
      if (Array.isArray(v)) return v.map((item, i) => (isPluginObject(item) ? item : walk(item, [...path, String(i)])));
      const out: Record<string, unknown> = {};
      let keys: string[];
      try {
        keys = Object.keys(v);
      } catch (error) {
        throw new CliError('CONFIG_INVALID', `${at()}: listing its keys threw: ${messageOf(error)}. A config exports plain data.`, { cause: error });
      }
      for (const key of keys) {
        if (key === '__proto__') throw new CliError('CONFIG_INVALID', `${where} ${[...path, key].join('.')}: unknown key "__proto__": this key is never accepted; remove it.`);
        let item: unknown;
        try {
          item = (v as Record<string, unknown>)[key];
        } catch (error) {
          throw new CliError('CONFIG_INVALID', `${where} ${[...path, key].join('.')}: reading it threw: ${messageOf(error)}. A config exports plain data.`, { cause: error });
        }
        out[key] = walk(item, [...path, key]);
      }
      return out;
    } finally {
      ancestors.delete(v);
    }
  };
  return walk(value, []);
}
