// A private OCI registry for tests: Debian's docker-registry (distribution v2) on a loopback
// port, filesystem storage in a temp folder, optionally with htpasswd (bcrypt) auth.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBinary, freePort, removeDir, startService, tempDir, type RunningService } from './service.js';

export interface TestRegistry {
  /** host:port, as used in image names. */
  host: string;
  url: string;
  service: RunningService;
  /** GET on the registry API (with basic auth when configured). */
  get(path: string, accept?: string): Promise<Response>;
  stop(): Promise<void>;
}

export async function startRegistry(opts: { auth?: { username: string; password: string } } = {}): Promise<TestRegistry> {
  ensureBinary('docker-registry', ['docker-registry']);
  const dir = tempDir('registry');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const lines = [
    'version: 0.1',
    'log: { level: warn }',
    'storage:',
    `  filesystem: { rootdirectory: ${JSON.stringify(join(dir, 'data'))} }`,
    '  delete: { enabled: true }',
    'http:',
    `  addr: ${host}`,
  ];
  if (opts.auth) {
    ensureBinary('htpasswd', ['apache2-utils']);
    const entry = execFileSync('htpasswd', ['-Bbn', opts.auth.username, opts.auth.password], { encoding: 'utf8' });
    writeFileSync(join(dir, 'htpasswd'), entry);
    lines.push('auth:', `  htpasswd: { realm: shardship-test, path: ${JSON.stringify(join(dir, 'htpasswd'))} }`);
  }
  const config = join(dir, 'config.yml');
  writeFileSync(config, lines.join('\n') + '\n');
  const url = `http://${host}`;
  const service = await startService({
    name: 'docker-registry',
    command: 'docker-registry',
    args: ['serve', config],
    logDir: dir,
    ready: async () => {
      try {
        const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
        return res.status === 200 || res.status === 401;
      } catch {
        return false;
      }
    },
  });
  const authHeader: Record<string, string> = opts.auth
    ? { authorization: `Basic ${Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64')}` }
    : {};
  return {
    host,
    url,
    service,
    get: (path, accept) => fetch(`${url}${path}`, { headers: accept ? { ...authHeader, accept } : authHeader }),
    stop: async () => {
      await service.stop();
      removeDir(dir);
    },
  };
}
