/**
 * The built-in plugins: short names, packages and factories. A module of its own, importing nothing, because the
 * program reads the built-ins' bindings (their flags) to build `--help` before any command loads core.
 */
export const BUILTIN_PLUGINS = {
  api: { pkg: '@tester/observer-api', factory: 'apiPlugin' },
  kafka: { pkg: '@tester/observer-kafka', factory: 'kafkaPlugin' },
  prometheus: { pkg: '@tester/observer-prometheus', factory: 'prometheusPlugin' },
  assertions: { pkg: '@tester/assertions', factory: 'assertionsPlugin' },
} as const;

export type BuiltinName = keyof typeof BUILTIN_PLUGINS;

/** Which built-in a name refers to: its short name or its package name. */
export function builtinOf(name: string): BuiltinName | undefined {
  for (const [short, def] of Object.entries(BUILTIN_PLUGINS)) if (name === short || name === def.pkg) return short as BuiltinName;
  return undefined;
}
