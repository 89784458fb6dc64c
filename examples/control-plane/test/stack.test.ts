import { describe, expect, it } from 'vitest';
import { ensureStack, stackStatus } from '../../../scripts/stack/index.mjs';
import { getJson } from './helpers.js';

describe('the local stack', () => {
  it('comes up (idempotently) and every part is healthy', async () => {
    const stack = await ensureStack();
    try {
      expect(stack.kafka.bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(process.env.TESTER_CONTROL_PLANE_URL).toBe(stack.controlPlane.url);
      const status = await stackStatus();
      expect(status.map((s) => [s.part, s.healthy])).toEqual([
        ['mariadb', true],
        ['kafka', true],
        ['prometheus', true],
        ['toxiproxy', true],
        ['control-plane', true],
      ]);
      const ready = await getJson<{ status: string }>(`${stack.prometheus.url}/api/v1/status/buildinfo`);
      expect(ready.status).toBe('success');
    } finally {
      await stack.stop();
    }
  });

  it('serves the shared control plane with six systems and ETags on lists', async () => {
    const url = process.env.TESTER_CONTROL_PLANE_URL!;
    const systems = await getJson<{ id: string; state: string }[]>(`${url}/api/v1/systems`);
    expect(systems.map((s) => s.id)).toEqual(['mysql', 'mysql-2', 'mysql-3', 'mysql-4', 'mysql-5', 'mysql-6']);
    const first = await fetch(`${url}/api/v1/policies`);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(`${url}/api/v1/policies`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    const policies = (await first.json()) as { id: string; enabled: boolean }[];
    expect(policies.map((p) => p.id)).toEqual(['auto-recover', 'failover']);
  });
});
