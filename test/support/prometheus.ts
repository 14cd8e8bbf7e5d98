// Launcher for a real Prometheus (Debian `prometheus`) on a free loopback port, scraping
// the given targets every second (default) so analysis tests see fresh rates quickly.
// Targets come from a file_sd file, so setTargets() can change them while it runs.
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { ensureBinary, freePort, httpOk, removeDir, startService, tempDir, type RunningService } from './service.js';

export interface PrometheusSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RunningPrometheus {
  /** Base URL, e.g. http://127.0.0.1:9090 (the HTTP API is under /api/v1). */
  url: string;
  service: RunningService;
  /** Replace the scraped targets: metrics URLs like http://127.0.0.1:PORT/metrics. */
  setTargets(metricsUrls: string[]): void;
  /** Instant query through the HTTP API; throws on a PromQL error. */
  query(promql: string): Promise<PrometheusSample[]>;
  /** Wait until every target has been scraped successfully at least once. */
  waitForTargets(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function targetGroups(metricsUrls: string[]): unknown[] {
  return metricsUrls.map((u) => {
    const url = new URL(u);
    return { targets: [url.host], labels: { __metrics_path__: url.pathname, __scheme__: url.protocol.replace(':', '') } };
  });
}

export async function startPrometheus(opts: { targets?: string[]; scrapeIntervalSeconds?: number; jobName?: string } = {}): Promise<RunningPrometheus> {
  const bin = ensureBinary('prometheus', ['prometheus']);
  const dir = tempDir('prometheus');
  const port = await freePort();
  const interval = `${opts.scrapeIntervalSeconds ?? 1}s`;
  const targetsFile = join(dir, 'targets.json');
  const setTargets = (urls: string[]) => {
    // Write-then-rename so Prometheus never reads a half-written file.
    writeFileSync(`${targetsFile}.tmp`, JSON.stringify(targetGroups(urls)));
    renameSync(`${targetsFile}.tmp`, targetsFile);
  };
  setTargets(opts.targets ?? []);
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(
    configFile,
    toYaml({
      global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
      scrape_configs: [{ job_name: opts.jobName ?? 'testbed', file_sd_configs: [{ files: [targetsFile], refresh_interval: '1s' }] }],
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  let service: RunningService;
  try {
    service = await startService({
      name: 'prometheus',
      command: bin,
      args: [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      logDir: dir,
      ready: () => httpOk(`${url}/-/ready`),
      timeoutMs: 60_000,
    });
  } catch (e) {
    removeDir(dir);
    throw e;
  }

  const query = async (promql: string): Promise<PrometheusSample[]> => {
    const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql }).toString()}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: PrometheusSample[] } };
    if (body.status !== 'success') throw new Error(`PromQL query failed: ${body.error ?? res.statusText}`);
    return body.data?.result ?? [];
  };

  const waitForTargets = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await fetch(`${url}/api/v1/targets`);
      const body = (await res.json()) as { data: { activeTargets: { health: string }[] } };
      const active = body.data.activeTargets;
      if (active.length > 0 && active.every((t) => t.health === 'up')) return;
      if (Date.now() > deadline) throw new Error(`Prometheus targets not up after ${timeoutMs} ms: ${JSON.stringify(active)}\n${service.logTail()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  return {
    url,
    service,
    setTargets,
    query,
    waitForTargets,
    stop: async () => {
      await service.stop();
      removeDir(dir);
    },
  };
}
