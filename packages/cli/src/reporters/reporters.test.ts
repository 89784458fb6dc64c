import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Ajv2020 } from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { syntheticReport } from '../../test/helpers/synthetic';
import { ensureTool } from '../../test/helpers/system-tool';
import { consoleReporter } from './console';
import { githubAnnotations, githubReporter } from './github';
import { renderHtml } from './html';
import { renderJunit } from './junit';
import { mergeReports } from './merge';
import { ReporterMux } from './multiplexer';
import { REPORT_JSON_SCHEMA } from './report-schema';
import type { Reporter } from './types';

const capture = (isTTY = false) => {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  stream.isTTY = isTTY;
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
};

describe('junit reporter', () => {
  it('writes XML that validates against the common JUnit XSD, with evidence and flaky marks', () => {
    const xmllint = ensureTool('xmllint', 'libxml2-utils');
    const dir = mkdtempSync(join(tmpdir(), 'junit-'));
    const xml = renderJunit(syntheticReport());
    writeFileSync(join(dir, 'junit.xml'), xml);
    const xsd = join(__dirname, '../../test/fixtures/junit.xsd');
    const out = execFileSync(xmllint, ['--noout', '--schema', xsd, join(dir, 'junit.xml')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toBe('');
    expect(xml.match(/<testsuite /g)).toHaveLength(4);
    expect(xml).toContain('<testsuite name="scenarios/mysql_failure.yaml" tests="2" failures="1" errors="0" skipped="0"');
    expect(xml).toContain('message="expected 1 CONNECTION_LOST event, saw 2 (offsets 40, 41) &lt;&amp;&quot;dup&quot;&gt;"');
    expect(xml).toContain('evidence #3 kafka event CONNECTION_LOST @1.40s control-plane.events[1]@40');
    expect(xml).toContain('<property name="flaky" value="true"/>');
    expect(xml).toContain('1 of 3 runs did not pass');
    expect(xml).toContain('<skipped>not run: fail-fast</skipped>');
    // Generous: on a fresh machine ensureTool first installs libxml2-utils with apt-get.
  }, 300_000);
});

describe('json report schema', () => {
  it('accepts a report and rejects a broken one', () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(REPORT_JSON_SCHEMA);
    const report = JSON.parse(JSON.stringify(syntheticReport()));
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    report.scenarios[0].status = 'weird';
    expect(validate(report)).toBe(false);
  });
});

describe('github reporter', () => {
  it('annotates the failing expectation on its YAML line and appends a Markdown summary', () => {
    const lines = githubAnnotations(syntheticReport());
    expect(lines[0]).toBe(
      '::error file=scenarios/mysql_failure.yaml,line=23,col=7,title=mysql_failure%3A events[0]::failed: expected 1 CONNECTION_LOST event, saw 2 (offsets 40, 41) <&"dup">',
    );
    expect(lines.some((l) => l.startsWith('::warning file=scenarios/unstable.yaml,line=23'))).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'gh-'));
    const summary = join(dir, 'summary.md');
    const out = capture();
    void githubReporter({ outputFile: undefined, rootDir: dir, stdout: out.stream, env: { GITHUB_STEP_SUMMARY: summary } }).onRunEnd?.(syntheticReport());
    expect(out.text()).toContain('::error file=scenarios/mysql_failure.yaml');
    const md = readFileSync(summary, 'utf8');
    expect(md).toContain('| ❌ failed | mysql_failure | `scenarios/mysql_failure.yaml` | 1 | 13.0s |');
    expect(md).toContain('| 🔁 flaky | unstable |');
    expect(md).toContain('`scenarios/mysql_failure.yaml:23` events[0]');
  });
});

describe('console reporter', () => {
  it('prints one line per phase change without a TTY, then failures with evidence and a summary, without colour', () => {
    const out = capture(false);
    const r = consoleReporter({ outputFile: undefined, rootDir: '/', stdout: out.stream, env: {} });
    const s = { file: 'scenarios/mysql_failure.yaml', name: 'mysql_failure', systems: ['mysql'], expectations: 2 };
    r.onRunStart?.([s]);
    r.onScenarioStart?.(s, 1);
    r.onProgress?.(s, { type: 'phase', phase: 'observers', at: 0 });
    r.onProgress?.(s, { type: 'phase', phase: 'observers', at: 0 });
    r.onProgress?.(s, { type: 'phase', phase: 'actions', at: 0 });
    r.onScenarioEnd?.(s, syntheticReport().scenarios[0]!.attempts[0]!);
    void r.onRunEnd?.(syntheticReport());
    const text = out.text();
    expect(text.match(/scenarios\/mysql_failure.yaml: observers/g)).toHaveLength(1);
    expect(text).toContain('scenarios/mysql_failure.yaml: actions');
    expect(text).toContain('evidence #3 kafka event CONNECTION_LOST');
    expect(text).toMatch(/status\s+scenario\s+file\s+time\s+runs/);
    expect(text).toContain('FAILED: 1 passed, 1 failed, 0 error, 1 flaky, 1 not run');
    expect(text).not.toContain('\u001b[');
  });

  it('on a TTY, draws a live block (phase, pending expectations, elapsed) and clears it for the summary', () => {
    const out = capture(true);
    const r = consoleReporter({ outputFile: undefined, rootDir: '/', stdout: out.stream, env: { NO_COLOR: '1' } });
    const s = { file: 'scenarios/a.yaml', name: 'alpha', systems: ['mysql'], expectations: 2 };
    r.onRunStart?.([s]);
    r.onScenarioStart?.(s, 1);
    r.onProgress?.(s, { type: 'phase', phase: 'evaluation', at: 0 });
    r.onProgress?.(s, { type: 'expectation', id: 'states[0]', status: 'passed', provisional: false, at: 0 });
    r.onMessage?.('warn', 'a warning');
    void r.onRunEnd?.(syntheticReport());
    const text = out.text();
    expect(text).toMatch(/● alpha evaluation, 1 of 2 expectations pending, \d+\.\ds/);
    expect(text).toContain('\u001b[1A\u001b[0J');
    expect(text).not.toContain('scenarios/a.yaml: evaluation');
  });

  it('colours on a TTY unless NO_COLOR is set', () => {
    for (const [env, coloured] of [[{}, true], [{ NO_COLOR: '1' }, false]] as const) {
      const out = capture(true);
      void consoleReporter({ outputFile: undefined, rootDir: '/', stdout: out.stream, env: { ...env, CI: '1' } }).onRunEnd?.(syntheticReport());
      expect(out.text().includes('\u001b[')).toBe(coloured);
    }
  });
});

describe('html reporter', () => {
  it('is one self-contained page with a timeline per scenario and evidence links that resolve', () => {
    const html = renderHtml(syntheticReport());
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!127\.0\.0\.1|www\.w3\.org)/);
    expect(html.match(/<svg class="timeline"/g)).toHaveLength(3);
    expect(html).toContain('class="fault"');
    expect(html).toContain('class="series"');
    const links = [...html.matchAll(/href="#(s\d+-obs-\d+)"/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(0);
    for (const id of links) expect(html).toContain(`id="${id}"`);
  });
});

describe('multiplexer and merge', () => {
  it('keeps going when one reporter throws, and names it', async () => {
    const err = capture();
    const seen: string[] = [];
    const broken: Reporter = { name: 'broken', onRunEnd: () => { throw new Error('boom'); } };
    const fine: Reporter = { name: 'fine', onRunEnd: () => void seen.push('fine') };
    const mux = new ReporterMux([broken, fine], err.stream);
    await mux.onRunEnd(syntheticReport());
    expect(seen).toEqual(['fine']);
    expect(err.text()).toContain('reporter broken failed in onRunEnd: boom');
  });

  it('merges shard reports sorted by file and refuses overlapping shards', () => {
    const all = syntheticReport();
    const a = { ...all, runId: 'a', shard: { index: 1, total: 2 }, scenarios: [all.scenarios[2]!, all.scenarios[0]!] };
    const b = { ...all, runId: 'b', shard: { index: 2, total: 2 }, scenarios: [all.scenarios[1]!, all.scenarios[3]!] };
    const merged = mergeReports([a, b], ['a.json', 'b.json']);
    expect(merged.scenarios.map((s) => s.name)).toEqual(['mysql_failure', 'policy_evaluation', 'unstable', 'z_last']);
    expect(merged.summary).toEqual({ total: 4, passed: 1, failed: 1, error: 0, flaky: 1, notRun: 1 });
    expect(merged.mergedFrom).toEqual([{ runId: 'a', shard: { index: 1, total: 2 } }, { runId: 'b', shard: { index: 2, total: 2 } }]);
    expect(() => mergeReports([a, a], ['a.json', 'a2.json'])).toThrow(/scenarios\/unstable.yaml is in both a.json and a2.json/);
  });
});
