import type { Server } from 'node:http';

/** Listens on 127.0.0.1:`port` (0: a free one) and resolves with the server's base URL. */
export declare function listenLoopback(server: Server, port?: number, scheme?: 'http' | 'https'): Promise<string>;
/** Closes `server` at once, its open connections too; none: nothing. */
export declare function closeNow(server: Server | undefined): Promise<void>;
