import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeControlPlane } from '../test/fake-control-plane';
import { createPluginHarness } from '@tester/core/testing';
import { apiPlugin, type ApiOptions } from './index';

const fixture = (name: string) => fileURLToPath(new URL(`../test/fixtures/tls/${name}`, import.meta.url));
const cert = readFileSync(fixture('localhost.crt'), 'utf8');
const key = readFileSync(fixture('localhost.key'), 'utf8');

let cp: FakeControlPlane | undefined;
afterEach(async () => {
  await cp?.stop();
  cp = undefined;
});

async function readiness(options: Partial<ApiOptions>): Promise<{ ok: boolean; blind: string[]; secrets: string[] }> {
  const h = createPluginHarness();
  const plugin = apiPlugin({ baseUrl: cp!.url, poll: { fastInterval: '20ms', readyTimeout: '1s' }, requestTimeout: '2s', ...options });
  const session = await plugin.observers!.api!.start(h.observerContext(plugin.options));
  try {
    await session.ready();
    return { ok: true, blind: h.blindness.events, secrets: h.secrets };
  } catch {
    return { ok: false, blind: h.blindness.events, secrets: h.secrets };
  } finally {
    await session.stop();
    h.controller.abort();
  }
}

describe('TLS', () => {
  it('verifies the server against the configured CA (file path or PEM), or skips verification when insecure', async () => {
    cp = await new FakeControlPlane().start(0, { cert, key });
    const untrusted = await readiness({});
    expect(untrusted.ok).toBe(false);
    expect(untrusted.blind[0]).toMatch(/self[- ]signed|certificate/i);
    expect((await readiness({ tls: { ca: fixture('localhost.crt') } })).ok).toBe(true);
    expect((await readiness({ tls: { ca: cert } })).ok).toBe(true);
    expect((await readiness({ tls: { insecure: true } })).ok).toBe(true);
  });

  it('presents a client certificate when the server requires one, and registers the key as a secret', async () => {
    cp = await new FakeControlPlane().start(0, { cert, key, ca: cert, requestCert: true, rejectUnauthorized: true });
    expect((await readiness({ tls: { ca: cert } })).ok).toBe(false);
    const mutual = await readiness({ tls: { ca: cert, cert: fixture('localhost.crt'), key: fixture('localhost.key') } });
    expect(mutual.ok).toBe(true);
    expect(mutual.secrets).toContain(key);
  });
});
