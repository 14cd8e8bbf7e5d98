// A private Docker engine for tests and benchmarks: Debian's dockerd with vfs storage, no
// bridge or iptables, its own data root and a short exec root (unix socket paths are
// limited to 108 bytes). It never touches /var/run/docker.sock or another test's engine.
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBinary, removeDir, startService, tempDir, type RunningService } from './service.js';

export interface TestDockerEngine {
  /** unix:///tmp/sd-xxxx/docker.sock */
  host: string;
  socketPath: string;
  /** Environment for clients (DOCKER_HOST set, DOCKER_BUILDKIT=0 for the legacy builder). */
  env: NodeJS.ProcessEnv;
  service: RunningService;
  /** Run the docker CLI against this engine. */
  docker(args: string[], opts?: { input?: string; allowFail?: boolean }): Promise<{ stdout: string; stderr: string; code: number }>;
  stop(): Promise<void>;
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

export async function startDockerd(): Promise<TestDockerEngine> {
  ensureBinary('dockerd', ['docker.io']);
  ensureBinary('docker', ['docker.io']);
  const dataRoot = tempDir('dockerd');
  const execRoot = mkdtempSync('/tmp/sd-');
  const socketPath = join(execRoot, 'docker.sock');
  const service = await startService({
    name: 'dockerd',
    command: 'dockerd',
    args: [
      '--storage-driver=vfs',
      '--iptables=false',
      '--ip-masq=false',
      '--bridge=none',
      '--data-root',
      dataRoot,
      '--exec-root',
      execRoot,
      '--pidfile',
      join(execRoot, 'docker.pid'),
      '-H',
      `unix://${socketPath}`,
    ],
    logDir: dataRoot,
    ready: () => ping(socketPath),
    timeoutMs: 90_000,
  });
  const host = `unix://${socketPath}`;
  const env = { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(dataRoot, 'client-config') };
  const docker: TestDockerEngine['docker'] = (args, opts = {}) =>
    new Promise((resolve, reject) => {
      const child = execFile('docker', args, { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        if (code !== 0 && !opts.allowFail) reject(new Error(`docker ${args.join(' ')} exited ${code}:\n${stderr}`));
        else resolve({ stdout, stderr, code });
      });
      if (opts.input !== undefined) child.stdin?.end(opts.input);
    });
  return {
    host,
    socketPath,
    env,
    service,
    docker,
    stop: async () => {
      await service.stop();
      removeDir(execRoot);
      removeDir(dataRoot);
    },
  };
}

/** A build context whose image runs busybox: `FROM scratch` + the static busybox binary. */
export const BUSYBOX = '/usr/bin/busybox';
export function ensureBusybox(): void {
  ensureBinary('busybox', ['busybox-static']);
}
