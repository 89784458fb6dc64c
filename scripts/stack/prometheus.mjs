// Prometheus from Debian's package, run as a plain process with a config written here.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive, startProcess, tail, waitFor } from './proc.mjs';

/** @param {string} interval e.g. '1s' */
function configText(targets, interval) {
  return [
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    'scrape_configs:',
    '  - job_name: control-plane',
    `    scrape_interval: ${interval}`,
    `    scrape_timeout: ${interval}`,
    '    static_configs:',
    `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
    '',
  ].join('\n');
}

/**
 * Writes the config (scraping `targets`) and starts Prometheus in the background on 127.0.0.1:port.
 * @param {{ dir: string, port: number, targets: string[], scrapeInterval?: string, detached?: boolean }} spec
 */
export function launchPrometheus({ dir, port, targets, scrapeInterval = '1s', detached = true }) {
  // A fresh TSDB on every start: a restarted control plane's counters start at 0 again, and the old process's
  // samples (kept for minutes as stale series) would otherwise make an increase look like none.
  rmSync(join(dir, 'data'), { recursive: true, force: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, configText(targets, scrapeInterval));
  return startProcess(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--storage.tsdb.retention.time=1d',
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { logFile: join(dir, 'prometheus.log'), detached },
  );
}

/** @param {string} url base URL */
export async function prometheusHealthy(url) {
  try {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** @param {string} url @param {{ dir: string, pid?: number, timeoutMs?: number }} opts */
export async function waitPrometheusReady(url, { dir, pid, timeoutMs = 30_000 }) {
  await waitFor(() => prometheusHealthy(url), {
    timeoutMs,
    what: `Prometheus ready at ${url}`,
    where: 'prometheus',
    failIf: () => (pid && !pidAlive(pid) ? `prometheus exited during start.\n${tail(join(dir, 'prometheus.log'))}` : undefined),
    onTimeout: () => tail(join(dir, 'prometheus.log')),
  });
}

/**
 * Waits until Prometheus has scraped every one of `targets` successfully at least once: `/-/ready` comes seconds
 * before the first scrape, and a scenario started in between would have no samples from before its fault.
 * @param {string} url base URL @param {string[]} targets `host:port` @param {{ timeoutMs?: number }} [opts]
 */
export async function waitPrometheusScraped(url, targets, { timeoutMs = 30_000 } = {}) {
  await waitFor(
    async () => {
      try {
        const res = await fetch(`${url}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(1000) });
        if (!res.ok) return false;
        const active = (await res.json()).data?.activeTargets ?? [];
        return targets.every((t) => active.some((a) => a.labels?.instance === t && a.health === 'up'));
      } catch {
        return false;
      }
    },
    { timeoutMs, what: `Prometheus at ${url} to scrape ${targets.join(', ')}`, where: 'prometheus' },
  );
}
