/**
 * A {@link JsonServer} and a fresh core test harness for each test, and the API observer session a test starts on
 * them. Importing this module registers, in the importing test file, a beforeEach that starts the server and makes
 * the harness, and an afterEach that stops the session, aborts the harness and stops the server.
 */
import { type ObserverSession } from '@tester/core';
import { createPluginHarness, type PluginHarness } from '@tester/core/testing';
import { afterEach, beforeEach } from 'vitest';
import { apiPlugin, type ApiOptions } from '../src/index';
import { JsonServer } from './json-server';

/** This test's server (a live binding, as {@link h}). */
export let server: JsonServer;
/** This test's harness (a live binding: each test reads its own). */
export let h: PluginHarness;
let session: ObserverSession | undefined;

beforeEach(async () => {
  server = await new JsonServer().start();
  h = createPluginHarness();
});
afterEach(async () => {
  await session?.stop();
  session = undefined;
  h.controller.abort();
  await server.stop();
});

/** Starts the API observer with exactly `options` on this test's harness; it is stopped after the test. */
export async function startApi(options: ApiOptions): Promise<ObserverSession> {
  const plugin = apiPlugin(options);
  session = await plugin.observers!.api!.start(h.observerContext(plugin.options));
  return session;
}
