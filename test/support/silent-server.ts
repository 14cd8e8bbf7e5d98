// A TCP server on loopback that accepts every connection and never answers: the shape of a
// stalled service (a hung API server, a proxy that lost its backend). Tests point a client
// at it and assert that the client gives up within its timeout instead of hanging.
import { createServer, type Socket } from 'node:net';

export interface SilentServer {
  port: number;
  host: string;
  /** http://127.0.0.1:PORT */
  url: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  stop(): Promise<void>;
}

export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    // Read and drop whatever the client sends; never write a byte back.
    s.resume();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    host: '127.0.0.1',
    url: `http://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
