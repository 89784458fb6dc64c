import type { ScenarioResult } from '@tester/core/runner';
import { decisiveAttempt, expectationCounts, formatRef, originOf, problemsOf, UNDECIDED_MEANING } from './format';
import { obsId, timelineSvg } from './html-chart';
import { writeOutput } from './json';
import { xmlEscape as esc } from './junit';
import type { Reporter, ReporterContext, ScenarioEntry, SuiteReport } from './types';

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-top:1px solid #ddd;padding-top:16px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:600}
.passed{background:#2e9e5b}.failed{background:#d64541}.error{background:#b35900}.flaky{background:#8e44ad}.not-run{background:#888}.pending{background:#888}.undecided{background:#1f7a8c}
.verdicts{font-size:12px}.verdicts dt{display:inline}.verdicts dd{display:inline;margin:0 12px 0 4px}
table{border-collapse:collapse;margin:8px 0;width:100%}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0}code{font-size:12px;word-break:break-all}.muted{color:#777}
svg.timeline{background:#fff;border:1px solid #ddd;margin:8px 0}
svg .label{font-size:12px;fill:#333}svg .state-label{font-size:11px;fill:#fff}svg .tick-label{font-size:10px;fill:#555;text-anchor:middle}
svg .legend{font-size:10px}svg .fault{fill:#d64541;fill-opacity:.12}svg .fault-label{fill:#d64541;font-size:11px}
svg .window{fill:none;stroke:#3a7bd5;stroke-dasharray:4 3}svg .window.open{stroke:#1f7a8c;stroke-dasharray:2 4}svg .event{fill:#3a7bd5}svg .event.bad{fill:#d64541}
svg .tick{fill:#8e44ad}svg .tick.kind{fill:#16a085}svg .series{fill:none;stroke-width:1.5}svg .axis{stroke:#999}
tr:target{background:#fff3c4}details{margin:8px 0}
`;

/** What each expectation verdict means; `undecided` is the one a reader may not know. */
const VERDICTS = [
  ['passed', 'the evidence confirms it'],
  ['failed', 'the evidence contradicts it'],
  ['error', 'the tester could not judge it'],
  ['undecided', UNDECIDED_MEANING],
] as const;
const LEGEND = `<dl class="verdicts muted">${VERDICTS.map(([s, meaning]) => `<dt><span class="badge ${s}">${s}</span></dt><dd>${esc(meaning)}</dd>`).join('')}</dl>`;

/** One self-contained HTML page (inline CSS and SVG, no script, no network) for the whole suite. */
export function renderHtml(report: SuiteReport): string {
  const s = report.summary;
  const rows = report.scenarios
    .map((e, i) => `<tr><td><span class="badge ${e.status}">${e.status}</span></td><td><a href="#s${i}">${esc(e.name)}</a></td><td><code>${esc(e.file)}</code></td><td>${e.attempts.length}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>tester report: ${esc(report.status)}</title><style>${CSS}</style></head>
<body>
<h1>tester report <span class="badge ${report.status === 'passed' ? 'passed' : 'failed'}">${esc(report.status)}</span></h1>
<p class="muted">run ${esc(report.runId)}, started ${esc(report.startedAt)}, ${(report.durationMs / 1000).toFixed(1)}s${report.shard ? `, shard ${report.shard.index}/${report.shard.total}` : ''}
 &middot; ${s.passed} passed, ${s.failed} failed, ${s.error} error, ${s.flaky} flaky, ${s.notRun} not run</p>
<table><tr><th>status</th><th>scenario</th><th>file</th><th>runs</th></tr>${rows}</table>
${LEGEND}
${report.scenarios.map((e, i) => scenarioSection(e, i)).join('\n')}
</body></html>
`;
}

function scenarioSection(entry: ScenarioEntry, n: number): string {
  const head = `<h2 id="s${n}"><span class="badge ${entry.status}">${entry.status}</span> ${esc(entry.name)} <code class="muted">${esc(entry.file)}</code></h2>`;
  const last = decisiveAttempt(entry);
  if (!last) return `${head}<p>Not run: ${esc(entry.reason ?? '')}</p>`;
  const reason = entry.reason ? `<p>${esc(entry.reason)}</p>` : '';
  const runs = entry.attempts.length > 1 ? `<p class="muted">runs: ${entry.attempts.map((a) => `<span class="badge ${a.status}">${a.status}</span>`).join(' ')} (details of the last run that did not pass, if any)</p>` : '';
  return `${head}${reason}${runs}${timelineSvg(last, n)}
${timings(last)}${problemList(last)}${expectationTable(last, n)}${observationTable(last, n)}`;
}

function timings(r: ScenarioResult): string {
  const t = [
    r.timings.timeToDetectMs !== undefined ? `time to detect ${(r.timings.timeToDetectMs / 1000).toFixed(2)}s` : '',
    r.timings.timeToRecoverMs !== undefined ? `time to recover ${(r.timings.timeToRecoverMs / 1000).toFixed(2)}s` : '',
    r.preconditionsWaitedMs !== undefined ? `preconditions waited ${(r.preconditionsWaitedMs / 1000).toFixed(2)}s` : '',
    r.window.opensAt !== undefined && !r.window.closed ? 'the window never closed: the system did not settle' : '',
    `duration ${(r.durationMs / 1000).toFixed(1)}s`,
    r.expectations.length ? `expectations: ${expectationCounts(r)}` : '',
  ].filter(Boolean);
  return `<p>${esc(t.join(' · '))}</p>`;
}

function problemList(r: ScenarioResult): string {
  const p = problemsOf(r);
  return p.length ? `<ul>${p.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : '';
}

function expectationTable(r: ScenarioResult, n: number): string {
  const retained = new Set(r.timeline.map((o) => o.seq));
  const link = (seq: number) => (retained.has(seq) ? `<a href="#${obsId(n, seq)}">#${seq}</a>` : `#${seq}`);
  const rows = r.expectations.map((e) => {
    let links = e.evidence.map((o) => `<a href="#${obsId(n, o.seq)}">#${o.seq}</a>`).join(' ');
    // Nothing decided an undecided expectation; the system's last changes say why it never settled.
    if (e.status === 'undecided' && r.window.lastChanges?.length) links += `${links ? ' ' : ''}<span class="muted">last changes:</span> ${r.window.lastChanges.map(link).join(' ')}`;
    return `<tr class="expectation-${e.status}"><td><span class="badge ${e.status}" title="${esc(e.status === 'undecided' ? UNDECIDED_MEANING : e.status)}">${e.status}</span></td><td><code>${esc(e.id)}</code> line ${e.line}</td><td>${esc(e.description)}</td><td>${esc(e.message)}</td><td>${links || '<span class="muted">none</span>'}</td></tr>`;
  });
  return `<table><tr><th>verdict</th><th>expectation</th><th>expected</th><th>message</th><th>evidence</th></tr>${rows.join('')}</table>`;
}

function observationTable(r: ScenarioResult, n: number): string {
  const origin = originOf(r);
  const rows = r.timeline.map(
    (o) =>
      `<tr id="${obsId(n, o.seq)}"><td>#${o.seq}</td><td>${((o.receivedAt - origin) / 1000).toFixed(2)}s</td><td>${esc(o.source)}</td><td>${esc(o.kind)}</td><td>${esc(o.subject ?? '')}</td><td><code>${esc(JSON.stringify(o.data).slice(0, 200))}</code></td><td><code>${esc(formatRef(o))}</code></td></tr>`,
  );
  const dropped = r.timelineDropped ? `<p class="muted">${r.timelineDropped} older observations were dropped by the timeline cap.</p>` : '';
  return `<details${r.status === 'passed' ? '' : ' open'}><summary>timeline (${r.timeline.length} observations)</summary>${dropped}<table><tr><th>seq</th><th>at</th><th>source</th><th>kind</th><th>subject</th><th>data</th><th>ref</th></tr>${rows.join('')}</table></details>`;
}

/** `html`: the self-contained visual report (default file `tester-report.html`). */
export function htmlReporter(ctx: ReporterContext): Reporter {
  return {
    name: 'html',
    onRunEnd: (report) => writeOutput({ ...ctx, outputFile: ctx.outputFile ?? `${process.cwd()}/tester-report.html` }, renderHtml(report)),
  };
}

