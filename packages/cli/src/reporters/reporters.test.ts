import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { ExpectationResult, ExpectationStatus, ScenarioResult } from '@tester/core/runner';
import { Ajv2020 } from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { syntheticReport, syntheticResult } from '../../test/helpers/synthetic';
import { ensureTool } from '../../test/helpers/system-tool';
import { consoleReporter } from './console';
import { githubAnnotations, githubReporter, githubSummary } from './github';
import { renderHtml } from './html';
import { renderJunit } from './junit';
import { mergeReports } from './merge';
import { ReporterMux } from './multiplexer';
import { REPORT_JSON_SCHEMA } from './report-schema';
import { entryStatus, summarize, type Reporter, type ScenarioEntry, type SuiteReport } from './types';

const capture = (isTTY = false) => {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  stream.isTTY = isTTY;
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
};

const NEVER_SETTLED = 'undecided: the system never settled before the timeout (30s); still waiting for mysql to hold CONNECTED for 5s';

/**
 * `mysql_failure` timed out before mysql settled: `states[0]` is undecided (no evidence, the window never
 * closed, its last changes are mysql's last two states). `events` sets `events[0]`: `failed` as in
 * {@link syntheticResult}, or `passed`.
 */
function unsettledResult(events: 'failed' | 'passed', states: ExpectationStatus = 'undecided'): ScenarioResult {
  const r = syntheticResult({ durationMs: 30_000, preconditionsWaitedMs: 350 });
  const [st, ev] = r.expectations as [ExpectationResult, ExpectationResult];
  r.expectations = [
    { ...st, id: 'states[0]', status: states, message: states === 'undecided' ? NEVER_SETTLED : 'mysql left CONNECTED at 20.00s', evidence: [], decidedAt: r.phases[0]!.startedAt + 30_000 },
    { ...ev, id: 'events[0]', ...(events === 'passed' ? { status: 'passed', message: 'saw 1 CONNECTION_LOST event' } : {}) },
  ];
  const lastStates = r.timeline.filter((o) => o.kind === 'system.state').slice(-2);
  r.window = { opensAt: r.window.opensAt, closed: false, settleMs: 2000, afterMs: 0, lastChanges: lastStates.map((o) => o.seq) };
  r.status = events === 'failed' || states === 'failed' ? 'failed' : 'error';
  r.reason = r.status === 'failed' ? '1 of 2 expectations failed' : 'the system never settled before the timeout (30s)';
  return r;
}

/** `never_settles` (error: only an undecided expectation), `mixed` (failed, plus an undecided one), and a passed one. */
function undecidedReport(): SuiteReport {
  const passed = syntheticReport().scenarios[1]!;
  const entry = (file: string, name: string, attempts: ScenarioResult[]): ScenarioEntry => ({ file, name, tags: [], systems: ['mysql'], status: entryStatus(attempts), attempts });
  const scenarios = [entry('scenarios/mixed.yaml', 'mixed', [unsettledResult('failed')]), entry('scenarios/never_settles.yaml', 'never_settles', [unsettledResult('passed')]), passed];
  return { ...syntheticReport(), status: 'failed', summary: summarize(scenarios), scenarios };
}

/** The `<testsuite>` element of one scenario file. */
const suiteOf = (xml: string, file: string) => xml.slice(xml.indexOf(`<testsuite name="${file}"`), xml.indexOf('</testsuite>', xml.indexOf(`<testsuite name="${file}"`)));

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

  it('makes an undecided expectation a <skipped message="undecided: ..."> (never a failure), and stays valid against the XSD', () => {
    const xmllint = ensureTool('xmllint', 'libxml2-utils');
    const dir = mkdtempSync(join(tmpdir(), 'junit-'));
    const xml = renderJunit(undecidedReport());
    writeFileSync(join(dir, 'junit.xml'), xml);
    const xsd = join(__dirname, '../../test/fixtures/junit.xsd');
    expect(execFileSync(xmllint, ['--noout', '--schema', xsd, join(dir, 'junit.xml')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBe('');

    // never_settles: not blamed on the expectation; the scenario itself is the error ("never settled").
    const never = suiteOf(xml, 'scenarios/never_settles.yaml');
    expect(never).toContain('tests="3" failures="0" errors="1" skipped="1"');
    expect(never).toContain('<property name="undecided" value="1"/>');
    expect(never).toMatch(/<testcase name="scenario"[^>]*><error message="the system never settled before the timeout \(30s\)"/);
    const states = never.slice(never.indexOf('<testcase name="states[0]'), never.indexOf('</testcase>', never.indexOf('<testcase name="states[0]')));
    expect(states).toContain(`<skipped message="${NEVER_SETTLED}">`);
    expect(states).not.toMatch(/<failure|<error/);
    expect(states).toContain('last changes before the timeout:');
    expect(states).toMatch(/#\d+ api system\.state mysql @12\.00s/);
    expect(xml).not.toContain('undecided: undecided:');

    // mixed: the contradicted expectation is the failure; the undecided one is still only skipped.
    expect(suiteOf(xml, 'scenarios/mixed.yaml')).toContain('tests="2" failures="1" errors="0" skipped="1"');
  }, 300_000);

  it('over --repeat, a run that contradicted an expectation outweighs one where it was undecided', () => {
    const attempts = [unsettledResult('passed', 'failed'), unsettledResult('passed')];
    const entry: ScenarioEntry = { file: 'scenarios/flip.yaml', name: 'flip', tags: [], systems: ['mysql'], status: entryStatus(attempts), attempts, reason: 'verdicts differed' };
    const xml = renderJunit({ ...undecidedReport(), scenarios: [entry], summary: summarize([entry]) });
    expect(xml).toContain('<failure message="2 of 2 runs did not pass; mysql left CONNECTED at 20.00s"');
    expect(xml).not.toContain('<skipped message=');
    expect(xml).not.toContain('<property name="undecided"');
  });
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

  it('accepts undecided expectations, the settled window and the preconditions wait, and checks their types', () => {
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(REPORT_JSON_SCHEMA);
    const fresh = () => JSON.parse(JSON.stringify(undecidedReport()));
    const report = fresh();
    report.scenarios[0].attempts[0].window.settledAt = 3000;
    expect(report.scenarios[1].attempts[0].expectations[0].status).toBe('undecided');
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    type Loose = Record<string, unknown> & { expectations: Record<string, unknown>[]; window: Record<string, unknown> };
    const broken: [string, (attempt: Loose) => void][] = [
      ['expectation status', (a) => (a.expectations[0]!.status = 'unsure')],
      ['window.settledAt', (a) => (a.window.settledAt = 'soon')],
      ['window.settleMs', (a) => (a.window.settleMs = -1)],
      ['window.afterMs', (a) => (a.window.afterMs = '0')],
      ['window.lastChanges', (a) => (a.window.lastChanges = [1.5])],
      ['preconditionsWaitedMs', (a) => (a.preconditionsWaitedMs = -5)],
    ];
    for (const [what, breakIt] of broken) {
      const r = fresh();
      breakIt(r.scenarios[1].attempts[0]);
      expect(validate(r), what).toBe(false);
    }
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

  it('annotates an undecided expectation as a warning, and a scenario with nothing to blame as an error of its own', () => {
    const lines = githubAnnotations(undecidedReport());
    const mixed = lines.filter((l) => l.includes('file=scenarios/mixed.yaml'));
    expect(mixed).toEqual([
      `::warning file=scenarios/mixed.yaml,line=17,col=7,title=mixed%3A states[0] (undecided)::${NEVER_SETTLED}`,
      '::error file=scenarios/mixed.yaml,line=23,col=7,title=mixed%3A events[0]::failed: expected 1 CONNECTION_LOST event, saw 2 (offsets 40, 41) <&"dup">',
    ]);
    const never = lines.filter((l) => l.includes('file=scenarios/never_settles.yaml'));
    expect(never).toEqual([
      '::error file=scenarios/never_settles.yaml,title=never_settles::error: the system never settled before the timeout (30s)',
      `::warning file=scenarios/never_settles.yaml,line=17,col=7,title=never_settles%3A states[0] (undecided)::${NEVER_SETTLED}`,
    ]);
    const md = githubSummary(undecidedReport());
    expect(md).toContain(`- ❔ **never_settles** \`scenarios/never_settles.yaml:17\` states[0]: ${NEVER_SETTLED}`);
    expect(md).toContain('- ❌ **mixed** `scenarios/mixed.yaml:23` events[0]: failed: expected 1 CONNECTION_LOST event');
    expect(md).toContain('❔ undecided: the scenario timed out before the system settled');
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

  it('marks undecided expectations with their own symbol and a count, once with the last changes', () => {
    const out = capture(false);
    const r = consoleReporter({ outputFile: undefined, rootDir: '/', stdout: out.stream, env: {} });
    const report = undecidedReport();
    const s = { file: 'scenarios/never_settles.yaml', name: 'never_settles', systems: ['mysql'], expectations: 2 };
    r.onScenarioStart?.(s, 1);
    r.onScenarioEnd?.(s, report.scenarios[1]!.attempts[0]!);
    void r.onRunEnd?.(report);
    const text = out.text();
    expect(text).toMatch(/! never_settles \(scenarios\/never_settles\.yaml, 30\.0s\) error \(1 undecided\)/);
    expect(text).toContain('  expectations: 1 passed, 1 undecided');
    expect(text).toContain('  expectations: 1 failed, 1 undecided');
    expect(text).toContain(`  ? undecided states[0]: mysql reaches CONNECTED and holds it\n    ${NEVER_SETTLED}`);
    expect(text).toContain('  ✗ failed events[0]: exactly 1 CONNECTION_LOST event');
    expect(text.match(/last changes before the timeout:\n {4}#\d+ api system\.state mysql @11\.50s/g)).toHaveLength(2);
    expect(text).toContain('(2 expectation(s) undecided) in 40.0s');
  });

  it('colours undecided apart from failed, and counts undecided expectations in the live block', () => {
    const out = capture(true);
    const r = consoleReporter({ outputFile: undefined, rootDir: '/', stdout: out.stream, env: { FORCE_COLOR: '1' } });
    const s = { file: 'scenarios/never_settles.yaml', name: 'never_settles', systems: ['mysql'], expectations: 2 };
    r.onRunStart?.([s]);
    r.onScenarioStart?.(s, 1);
    r.onProgress?.(s, { type: 'expectation', id: 'states[0]', status: 'undecided', provisional: false, at: 0 });
    r.onProgress?.(s, { type: 'phase', phase: 'barriers', at: 0 });
    r.onMessage?.('info', 'redraw');
    void r.onRunEnd?.(undecidedReport());
    const text = out.text();
    expect(text).toMatch(/never_settles .*barriers, 1 of 2 expectations pending, 1 undecided, /);
    expect(text).toContain('\u001b[35m?\u001b[0m \u001b[35mundecided\u001b[0m states[0]');
    expect(text).toContain('\u001b[31m✗\u001b[0m \u001b[31mfailed\u001b[0m events[0]');
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

  it('shows undecided with its own badge colour, in the legend, with the last changes it never settled on', () => {
    const html = renderHtml(undecidedReport());
    expect(html).toMatch(/\.undecided\{background:#[0-9a-f]{6}\}/);
    const colour = (status: string) => html.match(new RegExp(`\\.${status}\\{background:(#[0-9a-f]{6})\\}`))?.[1];
    expect(new Set(['passed', 'failed', 'error', 'flaky', 'not-run', 'undecided'].map(colour)).size).toBe(6);
    expect(html).toContain('<dt><span class="badge undecided">undecided</span></dt><dd>the scenario timed out before the system settled: nothing contradicted the expectation (it is not blamed), but nothing confirmed it either</dd>');
    const row = html.match(/<tr class="expectation-undecided">.*?<\/tr>/)?.[0] ?? '';
    expect(row).toContain('<span class="badge undecided"');
    expect(row).toContain(NEVER_SETTLED);
    expect(row).toMatch(/last changes:<\/span> <a href="#s\d-obs-\d+">#\d+<\/a> <a href="#s\d-obs-\d+">#\d+<\/a>/);
    for (const id of [...html.matchAll(/href="#(s\d+-obs-\d+)"/g)].map((m) => m[1])) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('class="window open"');
    expect(html).toContain('the window never closed: the system did not settle');
    expect(html).toContain('expectations: 1 passed, 1 undecided');
    expect(html).toContain('preconditions waited 0.35s');
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
