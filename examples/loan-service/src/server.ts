// A tiny loan API: health probe, and loan lookup by user (the shard key).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

interface Loan {
  id: number;
  userId: number;
  amountCents: number;
  status: 'pending' | 'active' | 'repaid';
}

const loans: Loan[] = [
  { id: 1, userId: 7, amountCents: 500_000, status: 'active' },
  { id: 2, userId: 9, amountCents: 120_000, status: 'repaid' },
];

/** Loans of one user: queries always carry the shard key (user_id). */
export function loansOfUser(userId: number): Loan[] {
  return loans.filter((l) => l.userId === userId);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') return send(res, 200, { ok: true, version: process.env.APP_VERSION ?? 'dev' });
  const m = /^\/users\/(\d+)\/loans$/.exec(url.pathname);
  if (m) return send(res, 200, loansOfUser(Number(m[1])));
  send(res, 404, { error: 'not found' });
}

if (process.argv[1]?.endsWith('server.ts')) {
  createServer(handle).listen(Number(process.env.PORT ?? 8080));
}
