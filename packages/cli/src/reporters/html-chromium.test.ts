import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { syntheticReport } from '../../test/helpers/synthetic';
import { ensureTool } from '../../test/helpers/system-tool';
import { renderHtml } from './html';

const chromiumFlags = (profile: string) => [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
  `--user-data-dir=${profile}`,
  '--enable-logging=stderr',
  '--v=0',
];

describe('html report in headless Chromium', () => {
  it('renders the timeline without console errors (and keeps a screenshot)', () => {
    const chromium = ensureTool('chromium', 'chromium');
    const dir = mkdtempSync(join(tmpdir(), 'html-report-'));
    const page = join(dir, 'report.html');
    writeFileSync(page, renderHtml(syntheticReport()));
    const url = pathToFileURL(page).href;

    const dom = spawnSync(chromium, [...chromiumFlags(join(dir, 'p1')), '--dump-dom', url], { encoding: 'utf8', timeout: 90_000 });
    expect(dom.status, dom.stderr).toBe(0);
    expect(dom.stdout.match(/<svg class="timeline"/g)).toHaveLength(3);
    // SVG attribute mistakes (NaN widths, bad paths) and script errors show up as console errors.
    const consoleErrors = dom.stderr.split('\n').filter((l) => /CONSOLE|Uncaught|Error: <\w+> attribute/i.test(l));
    expect(consoleErrors).toEqual([]);

    const png = join(dir, 'report.png');
    const shot = spawnSync(chromium, [...chromiumFlags(join(dir, 'p2')), '--hide-scrollbars', '--window-size=1280,1400', `--screenshot=${png}`, url], {
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(shot.status, shot.stderr).toBe(0);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(bytes.length).toBeGreaterThan(20_000);
    if (process.env.UPDATE_SCREENSHOT) {
      mkdirSync(join(__dirname, '../../docs'), { recursive: true });
      copyFileSync(png, join(__dirname, '../../docs/html-report.png'));
    }
  }, 600_000); // on a fresh machine ensureTool first installs chromium with apt-get
});
