/**
 * A real `import()` of a file URL, also in the CJS bin: esbuild leaves a non-literal `import()` alone (only
 * literal specifiers of bundled modules become `require()`), so `.mjs` files and ESM-only packages load.
 */
export const dynamicImport = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);
