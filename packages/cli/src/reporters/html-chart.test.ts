import type { Observation } from '@tester/core';
import { describe, expect, it } from 'vitest';
import { syntheticResult } from '../../test/helpers/synthetic';
import { renderHtml } from './html';
import { kindLanes, obsId, timelineSvg } from './html-chart';
import { xmlEscape } from './junit';

/** A result whose timeline also holds observations of kinds no built-in plugin records. */
function withThirdPartyKinds(kinds: Record<string, (i: number) => unknown>, per = 3) {
  const result = syntheticResult();
  let seq = Math.max(...result.timeline.map((o) => o.seq));
  const extra: Observation[] = Object.entries(kinds).flatMap(([kind, data]) =>
    Array.from({ length: per }, (_v, i) => ({ seq: ++seq, source: 'acme', kind, subject: 'orders', receivedAt: 2000 + i * 3000, data: data(i), ref: { type: 'runtime', detail: 'acme' } })),
  );
  return { ...result, timeline: [...result.timeline, ...extra].sort((a, b) => a.receivedAt - b.receivedAt) };
}

const lanesOf = (svg: string) => [...svg.matchAll(/<text class="label" x="6" y="\d+">([^<]*)/g)].map((m) => m[1]);

describe('html chart: any observation kind', () => {
  it('draws a lane for a third-party kind (sql.rows), with a mark per observation linked to its row', () => {
    const result = withThirdPartyKinds({ 'sql.rows': (i) => ({ query: 'orders', rows: [{ n: i }] }) });
    const svg = timelineSvg(result, 1);
    expect(lanesOf(svg)).toEqual(['mysql', 'events', 'policies, chaos', 'sql.rows', 'metrics']);
    for (const o of result.timeline.filter((x) => x.kind === 'sql.rows')) {
      expect(svg).toContain(`<a href="#${obsId(1, o.seq)}"><rect class="tick kind"`);
      expect(svg).toContain(`<title>${xmlEscape(`#${o.seq} sql.rows orders ${JSON.stringify(o.data)}`)}</title>`);
    }
    // The page's evidence table has the rows those marks link to.
    const html = renderHtml({ reportVersion: 1, tool: { name: '@tester/cli', version: '0' }, runId: 'r', startedAt: result.startedAt, durationMs: 1, status: 'failed', summary: { total: 1, passed: 0, failed: 1, error: 0, flaky: 0, notRun: 0 }, scenarios: [{ file: 'a.yaml', name: 'a', tags: [], systems: ['mysql'], status: 'failed', attempts: [result] }] });
    for (const id of [...html.matchAll(/<a href="#(s\d+-obs-\d+)"><rect class="tick kind"/g)].map((m) => m[1])) expect(html).toContain(`<tr id="${id}">`);
  });

  it('draws a line through a kind whose observations carry numbers, one per subject, with its range', () => {
    const svg = timelineSvg(withThirdPartyKinds({ 'acme.queue.depth': (i) => ({ value: [4, 9, 2][i] }) }), 1);
    expect(lanesOf(svg)).toContain('acme.queue.depth');
    expect(svg).toMatch(/<polyline class="series" stroke="#[0-9a-f]{6}" points="[\d.,\s]+"><title>acme\.queue\.depth orders \(2 \.\. 9\)<\/title><\/polyline>/);
  });

  it('keeps built-in kinds in their own lanes, and a fault\'s start and end as its shaded window only', () => {
    const svg = timelineSvg(syntheticResult(), 1);
    expect(lanesOf(svg)).toEqual(['mysql', 'events', 'policies, chaos', 'metrics']);
    expect(svg).not.toContain('fault.started');
  });

  it('gives at most 8 lanes to other kinds: the rest share the last one', () => {
    const kinds = Object.fromEntries(Array.from({ length: 11 }, (_v, i) => [`acme.k${i}`, () => ({})]));
    const lanes = kindLanes(withThirdPartyKinds(kinds, 1).timeline.filter((o) => o.kind.startsWith('acme.')));
    expect(lanes.map((l) => l.kind)).toEqual(['acme.k0', 'acme.k1', 'acme.k2', 'acme.k3', 'acme.k4', 'acme.k5', 'acme.k6', '4 other kinds']);
    expect(lanes.at(-1)!.observations.map((o) => o.kind)).toEqual(['acme.k7', 'acme.k8', 'acme.k9', 'acme.k10']);
  });
});
