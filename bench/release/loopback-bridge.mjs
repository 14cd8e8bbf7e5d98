// Runs inside the Argo controller's network namespace (only a loopback interface there):
// accepts TCP on 127.0.0.1:PORT and pipes each connection to a Unix socket that the bench
// serves outside the namespace. Bytes pass through untouched (TLS ends at the API server side).
// Usage: node loopback-bridge.mjs PORT SOCKET
import { connect, createServer } from 'node:net';

const [port, socket] = process.argv.slice(2);
const server = createServer((c) => {
  const up = connect(socket);
  c.pipe(up).pipe(c);
  c.on('error', () => up.destroy());
  up.on('error', () => c.destroy());
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => process.exit(0));
