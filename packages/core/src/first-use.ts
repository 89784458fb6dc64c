/**
 * Memoizes a loader: the first call runs `load`, every later call gets the same promise. For a plugin's transport
 * (an HTTP client, a Kafka client), imported on first use so that loading the plugin to validate, list or plan
 * scenarios never pays for it: `const loadUndici = onFirstUse(() => import('undici'))`. Keep the `import()` in
 * the plugin's own code, where a bundler (the CLI's) can see it.
 */
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}
