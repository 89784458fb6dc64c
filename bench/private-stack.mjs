// A private reference control plane and a Prometheus scraping it, for the benchmarks that run `tester` on the real
// stack: their own systems and metrics, so another run on the shared stack cannot disturb the figures.
import { startControlPlane, startPrometheus } from '../scripts/stack/index.mjs';

/**
 * Starts the control plane (`systems`, `misbehave` switches) and a Prometheus that scrapes it every second, and
 * resolves once Prometheus has its first sample (a fresh one scrapes only after its discovery). `config` is the
 * tester.config.yaml that points `tester` at them and at the shared broker.
 */
export async function privateControlPlane(stack, { systems = 1, misbehave = [] } = {}) {
  const cp = await startControlPlane({ systems, misbehave });
  const prom = await startPrometheus({ targets: [`127.0.0.1:${cp.port}`], scrapeInterval: '1s' });
  for (let i = 0; i < 120; i++) {
    const body = await (await fetch(`${prom.url}/api/v1/query?query=up`)).json().catch(() => ({}));
    if (body?.data?.result?.some((r) => r.value[1] === '1')) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    cp,
    prom,
    config: `controlPlaneUrl: ${cp.url}\nkafkaBootstrap: ${stack.kafka.bootstrap}\nprometheusUrl: ${prom.url}\nkafka:\n  topics: ${cp.topic}\n`,
    async stop() {
      await prom.stop();
      await cp.stop();
    },
  };
}
