/**
 * The real observer plugins, for the end-to-end test only.
 *
 * DESIGN.md's direction is `assertions -> core`; packages/cli/test/architecture.test.ts checks it on the Nx
 * project graph, where a devDependency or a static import (even in a test) is an edge, and the lint rule
 * forbids the import. The published package must never depend on an observer, but an end-to-end test needs
 * real ones. So the test loads them here, by package name at run time (Vitest resolves the names to the
 * packages' `src`), and this package.json does not list them. Nothing in `src/` uses this file.
 */
import type { TesterPlugin } from '@tester/core';

type Factory = (options?: Record<string, unknown>) => TesterPlugin;

async function factory(pkg: string, name: string): Promise<Factory> {
  const mod = (await import(/* @vite-ignore */ pkg)) as Record<string, unknown>;
  const f = mod[name];
  if (typeof f !== 'function') throw new Error(`${pkg} does not export ${name}()`);
  return f as Factory;
}

/** `apiPlugin`, `kafkaPlugin` and `prometheusPlugin`, loaded from the workspace. */
export async function loadObservers(): Promise<{ apiPlugin: Factory; kafkaPlugin: Factory; prometheusPlugin: Factory }> {
  const scope = '@tester/';
  return {
    apiPlugin: await factory(`${scope}observer-api`, 'apiPlugin'),
    kafkaPlugin: await factory(`${scope}observer-kafka`, 'kafkaPlugin'),
    prometheusPlugin: await factory(`${scope}observer-prometheus`, 'prometheusPlugin'),
  };
}
