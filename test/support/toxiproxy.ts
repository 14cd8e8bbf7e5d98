// Toxiproxy in front of loopback servers: a real TCP hop that adds a fixed delay each way (the
// fleet benchmark's network, when the kernel has no netem for namespaces + veth). Built once from
// its pinned Go module into ~/.cache/shardship (never into the repo); listens on 127.0.0.1 only.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { freePort, httpOk, startService, tempDir, removeDir } from './service.js';

export const TOXIPROXY_MODULE = 'github.com/Shopify/toxiproxy/v2';
export const TOXIPROXY_VERSION = 'v2.5.0';

function goBinary(): string {
  for (const go of ['go', '/usr/local/go/bin/go']) if (spawnSync(go, ['version']).status === 0) return go;
  throw new Error('toxiproxy: Go is needed to build it (looked for go on PATH and /usr/local/go/bin/go)');
}

/** The toxiproxy server binary, built from the pinned module on first use. */
export function toxiproxyBinary(): string {
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'shardship', `toxiproxy-${TOXIPROXY_VERSION}`);
  const bin = join(dir, 'server');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`building ${TOXIPROXY_MODULE}/cmd/server@${TOXIPROXY_VERSION} into ${dir}...\n`);
  execFileSync(goBinary(), ['install', `${TOXIPROXY_MODULE}/cmd/server@${TOXIPROXY_VERSION}`], { env: { ...process.env, GOBIN: dir, GOTOOLCHAIN: 'local' }, stdio: 'inherit' });
  return bin;
}

export interface DelayedEndpoint {
  name: string;
  /** Where clients connect (127.0.0.1). */
  port: number;
  /** Round trip added, ms. */
  rttMs: number;
}

export interface Toxiproxy {
  /** A proxy to 127.0.0.1:`upstreamPort` adding `rttMs` per round trip (half each way). */
  delay(name: string, upstreamPort: number, rttMs: number): Promise<DelayedEndpoint>;
  stop(): Promise<void>;
}

export async function startToxiproxy(): Promise<Toxiproxy> {
  const bin = toxiproxyBinary();
  const apiPort = await freePort();
  const logDir = tempDir('toxiproxy');
  const svc = await startService({ name: 'toxiproxy', command: bin, args: ['-host', '127.0.0.1', '-port', String(apiPort)], logDir, ready: () => httpOk(`http://127.0.0.1:${apiPort}/version`), timeoutMs: 20_000 });
  const api = async (path: string, body: unknown) => {
    const res = await fetch(`http://127.0.0.1:${apiPort}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`toxiproxy ${path}: ${res.status} ${await res.text()}`);
  };
  return {
    async delay(name, upstreamPort, rttMs) {
      const port = await freePort();
      await api('/proxies', { name, listen: `127.0.0.1:${port}`, upstream: `127.0.0.1:${upstreamPort}`, enabled: true });
      // Latency is whole milliseconds per direction: split the round trip.
      const up = Math.floor(rttMs / 2);
      await api(`/proxies/${name}/toxics`, { name: 'up', type: 'latency', stream: 'upstream', attributes: { latency: up, jitter: 0 } });
      await api(`/proxies/${name}/toxics`, { name: 'down', type: 'latency', stream: 'downstream', attributes: { latency: rttMs - up, jitter: 0 } });
      return { name, port, rttMs };
    },
    async stop() {
      await svc.stop('SIGTERM');
      removeDir(logDir);
    },
  };
}

/**
 * Whether netem can delay traffic inside a network namespace of ours (the first choice for a
 * real network delay): tried in a throwaway namespace, never on the host's own interfaces.
 */
export function netemInNamespaces(): { ok: boolean; reason: string } {
  const ns = `shardship-probe-${process.pid}`;
  const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });
  const add = ip('netns', 'add', ns);
  if (add.status !== 0) return { ok: false, reason: `ip netns add: ${(add.stderr || add.error?.message || '').trim()}` };
  try {
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    const tc = spawnSync('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], { encoding: 'utf8' });
    if (tc.status !== 0) return { ok: false, reason: `network namespaces work, tc netem does not: ${(tc.stderr || tc.error?.message || '').trim()} (this kernel has no sch_netem)` };
    return { ok: true, reason: 'netem works in a network namespace' };
  } finally {
    ip('netns', 'del', ns);
  }
}
