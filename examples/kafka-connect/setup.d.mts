// Types for setup.mjs, so that the example's TypeScript tests can import it.

/** The Toxiproxy proxy between the connectors and PostgreSQL. */
export const PROXY: string;
/** The port it listens on: TESTER_CONNECT_PROXY_PORT, default 15432. */
export function proxyPort(): number;
/** The connectors this example sets up, by name. */
export const CONNECTORS: Readonly<Record<'orders' | 'orders-strict', { slot: string; extra: Record<string, string> }>>;

/** Tables, proxy and connectors; every task RUNNING and streaming (a FAILED one is restarted), its change topic there. */
export function prepareConnectExample(
  stack: {
    connect: { url: string; metricsUrl: string };
    postgres: { port: number; user: string; password: string; database: string };
    toxiproxy: { url: string };
    kafka: { bootstrap: string };
  },
  options?: { log?: (line: string) => void; timeoutMs?: number },
): Promise<void>;
