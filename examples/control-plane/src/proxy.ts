import { createServer, connect, type Server, type Socket } from 'node:net';

/** What chaos currently does to one proxy. */
export interface ProxyFaults {
  /** Drop live connections and refuse new ones. */
  cut: boolean;
  /** Delay every chunk, both directions, by this many ms. */
  latencyMs: number;
  /** Probability (0-1) that a client->server chunk kills its connection (the query fails). */
  errorRate: number;
}

/**
 * A TCP proxy in front of MariaDB, one per system. Chaos acts here, on real traffic: the pool behind it sees
 * real dropped connections, real slowness and real errors.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private faults: ProxyFaults = { cut: false, latencyMs: 0, errorRate: 0 };
  /** Connections the proxy destroyed because of chaos (a counter for tests and logs). */
  dropped = 0;

  constructor(
    private readonly target: { host: string; port: number },
    private readonly random: () => number = Math.random,
  ) {}

  /** Listens on 127.0.0.1 on a free port; resolves with it. */
  async listen(): Promise<number> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('proxy: no TCP address after listen');
    return address.port;
  }

  /** Applies chaos. Turning `cut` on destroys every live connection at once. */
  setFaults(faults: ProxyFaults): void {
    const wasCut = this.faults.cut;
    this.faults = faults;
    if (faults.cut && !wasCut) {
      for (const pair of this.pairs) this.kill(pair);
    }
  }

  get liveConnections(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) this.kill(pair);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private kill(pair: { client: Socket; upstream: Socket }): void {
    this.dropped += 1;
    pair.client.resetAndDestroy();
    pair.upstream.destroy();
    this.pairs.delete(pair);
  }

  private accept(client: Socket): void {
    if (this.faults.cut) {
      // Refused for the duration of the fault: the client sees its connection reset before the handshake.
      this.dropped += 1;
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    const upstream = connect({ host: this.target.host, port: this.target.port });
    upstream.setNoDelay(true);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    this.pipe(client, upstream, pair, true);
    this.pipe(upstream, client, pair, false);
  }

  /** Forwards chunks in order; with latency, each chunk leaves `latencyMs` after it arrived (order preserved). */
  private pipe(from: Socket, to: Socket, pair: { client: Socket; upstream: Socket }, clientToServer: boolean): void {
    let chain = Promise.resolve();
    let pending = 0;
    from.on('data', (chunk: Buffer) => {
      if (clientToServer && this.faults.errorRate > 0 && this.random() < this.faults.errorRate) {
        this.kill(pair);
        return;
      }
      const latency = this.faults.latencyMs;
      if (latency <= 0 && pending === 0) {
        if (!to.destroyed) to.write(chunk);
        return;
      }
      // Delayed chunks queue behind each other so that bytes never overtake (the MySQL protocol is a stream).
      const due = Date.now() + latency;
      pending += 1;
      chain = chain.then(
        () =>
          new Promise<void>((resolve) => {
            setTimeout(() => {
              pending -= 1;
              if (!to.destroyed) to.write(chunk);
              resolve();
            }, Math.max(0, due - Date.now()));
          }),
      );
    });
  }
}
