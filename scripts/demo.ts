// The end-to-end demo: copies examples/loan-service into a temp git repo and runs the real
// pipeline on this machine through the `shardship` CLI, stage by stage, starting (and
// stopping) every service it needs. Each stage's outcome is collected for the HTML report.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, writeFileSync, mkdirSync, readFileSync, copyFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import pc from 'picocolors';
import { tempDir } from '../test/support/service.js';
import { startDockerd, BUSYBOX, ensureBusybox, type TestDockerEngine } from '../test/support/docker.js';
import { startRegistry, type TestRegistry } from '../test/support/registry.js';
import { startShardNodes, rootQuery, type ShardNodes } from '../test/support/mariadb.js';
import { healthy, kubectlRun, readState, sharedControlPlane, stopSharedControlPlane } from '../test/support/cluster/control-plane.js';
import { ANNOTATION, startTraffic, type TrafficGenerator } from '../test/support/cluster/traffic.js';
import { startPrometheus, type RunningPrometheus } from '../test/support/prometheus.js';
import { startGitHubServer } from '../test/support/github-server/index.js';
import { webhookExample } from '../test/support/github-server/examples.js';
import { htmlReport } from '../pipeline/report/html.js';
import type { PipelineReport, RolloutSample, ReleaseStageReport } from '../pipeline/report/types.js';
import type { MigrationPlan } from '../pipeline/migrate/plan-types.js';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'bin', 'shardship.js');

export interface CliRun {
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
}

export interface DemoStage {
  name: string;
  ok: boolean;
  detail: string;
  runs: CliRun[];
}

/** Run the real CLI as a child process, streaming its output indented. */
export function shardship(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; quiet?: boolean; hide?: RegExp }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const show = (s: string) => {
      if (!opts.quiet) process.stdout.write(indent(s));
    };
    // With `hide`, output is shown line by line (a chunk may end mid-line), minus matching lines.
    const filtered = (hide: RegExp) => {
      let partial = '';
      return {
        write: (s: string) => {
          const lines = (partial + s).split('\n');
          partial = lines.pop()!;
          const kept = lines.filter((l) => !hide.test(l));
          if (kept.length) show(kept.join('\n') + '\n');
        },
        flush: () => {
          if (partial && !hide.test(partial)) show(partial + '\n');
        },
      };
    };
    const outShow = opts.hide ? filtered(opts.hide) : { write: show, flush: () => undefined };
    const errShow = opts.hide ? filtered(opts.hide) : { write: show, flush: () => undefined };
    if (!opts.quiet) console.log(pc.dim(`  $ shardship ${args.join(' ')}`));
    const child = spawn(process.execPath, [bin, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      outShow.write(d.toString());
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      errShow.write(d.toString());
    });
    child.on('error', reject);
    child.on('close', (code) => {
      outShow.flush();
      errShow.flush();
      resolve({ args, code: code ?? 1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** The Docker engine's step-by-step build log: the build stage shows it once already. */
const DOCKER_STEP_NOISE = /^( ---> |Removing intermediate container |Step \d+\/\d+ : |The push refers to repository )/;

function indent(s: string): string {
  return s.replace(/^(?=.)/gm, '    ');
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'Demo Dev', GIT_AUTHOR_EMAIL: 'dev@loan.example', GIT_COMMITTER_NAME: 'Demo Dev', GIT_COMMITTER_EMAIL: 'dev@loan.example' } }).trim();
}

function heading(title: string): void {
  console.log('\n' + pc.bold(pc.cyan(`== ${title}`)));
}

function expectCode(stage: string, run: CliRun, want: number): void {
  if (run.code !== want) throw new Error(`${stage}: \`shardship ${run.args.join(' ')}\` exited ${run.code}, expected ${want}`);
}

/** Gate: a nonconforming commit (bad message + a leaked key) is rejected, then a good one passes. */
async function gateStage(repo: string, report: PipelineReport): Promise<DemoStage> {
  heading('gate: reject a nonconforming commit, pass a good one');
  const runs: CliRun[] = [];
  // Split so that this file itself carries no token.
  writeFileSync(join(repo, 'src', 'config.ts'), "export const githubToken = 'ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';\n");
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'fixed stuff');
  console.log(pc.dim('  commit: "fixed stuff" adding src/config.ts with a GitHub token'));
  const bad = await shardship(['gate', '--from', 'HEAD~1', '--to', 'HEAD'], { cwd: repo });
  runs.push(bad);
  expectCode('gate (bad commit)', bad, 1);
  console.log(pc.red('  rejected, as it should be'));
  const badJson = await shardship(['gate', '--from', 'HEAD~1', '--to', 'HEAD', '--json'], { cwd: repo, quiet: true });
  const verdict = JSON.parse(badJson.stdout) as { passed: boolean; findings: { ruleId: string; severity: 'error' | 'warn'; message: string; file: string | null; line: number | null; commit: string | null }[] };
  report.gate = {
    range: 'HEAD~1..HEAD (the rejected commit)',
    passed: verdict.passed,
    findings: verdict.findings.map((f) => ({ ruleId: f.ruleId, severity: f.severity, message: f.message, ...(f.file ? { file: f.file } : {}), ...(f.line ? { line: f.line } : {}), ...(f.commit ? { commit: f.commit } : {}) })),
  };
  git(repo, 'reset', '-q', '--hard', 'HEAD~1');
  writeFileSync(join(repo, 'src', 'repay.ts'), 'export function remaining(totalCents: number, paidCents: number): number {\n  return Math.max(0, totalCents - paidCents);\n}\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'feat(loan): compute the remaining balance of a loan');
  const started = Date.now();
  const good = await shardship(['gate', '--from', 'HEAD~1', '--to', 'HEAD'], { cwd: repo });
  const inProcessMs = Date.now() - started;
  runs.push(good);
  expectCode('gate (good commit)', good, 0);
  console.log(pc.green(`  passed (${inProcessMs} ms, ESLint loaded in the gate's own process)`));

  // What local hooks reuse: ESLint and the repo's config kept loaded between runs.
  runs.push(await shardship(['lint-server', 'start'], { cwd: repo }));
  running.push({ stop: async () => void (await shardship(['lint-server', 'stop'], { cwd: repo, quiet: true })) });
  const servedStart = Date.now();
  const served = await shardship(['gate', '--from', 'HEAD~1', '--to', 'HEAD'], { cwd: repo });
  const servedMs = Date.now() - servedStart;
  runs.push(served);
  expectCode('gate (good commit, lint server)', served, 0);
  const status = await shardship(['lint-server', 'status', '--json'], { cwd: repo, quiet: true });
  if ((JSON.parse(status.stdout) as { status?: { served: number } }).status?.served !== 1) throw new Error('gate: the lint server did not answer the gate run');
  console.log(pc.green(`  passed again through the lint server (${servedMs} ms)`));
  runs.push(await shardship(['lint-server', 'stop'], { cwd: repo }));
  return {
    name: 'gate',
    ok: true,
    detail: `bad commit rejected (exit 1), good commit passed (exit 0) in ${inProcessMs} ms, ${servedMs} ms with the lint server`,
    runs,
  };
}

/** Services the demo started, stopped at the end whatever happens. */
const running: { stop(): Promise<void> }[] = [];

/** What each stage's services need in the CLI's environment; the pipeline step uses them all. */
let demoShards: ShardNodes | undefined;
const stageEnv: { docker?: NodeJS.ProcessEnv; db?: Record<string, string>; release?: Record<string, string> } = {};
let cluster: { traffic: TrafficGenerator; prom: RunningPrometheus } | undefined;

function editConfig(repo: string, edit: (text: string) => string): void {
  const file = join(repo, 'shardship.yaml');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
}

/** Build: the local Docker engine builds the commit and pushes it to the local registry. */
async function buildStage(repo: string, report: PipelineReport): Promise<DemoStage & { image?: string }> {
  heading('build: image through the Docker Engine API, pushed to a registry');
  ensureBusybox();
  const engine: TestDockerEngine = await startDockerd();
  running.push(engine);
  const registry: TestRegistry = await startRegistry();
  running.push(registry);
  console.log(pc.dim(`  dockerd on ${engine.host}, registry on ${registry.host}`));
  // No image can be pulled here: make a tiny local base (static busybox) with `docker import`.
  const base = tempDir('base');
  mkdirSync(join(base, 'bin'));
  copyFileSync(BUSYBOX, join(base, 'bin', 'busybox'));
  for (const tool of ['sh', 'wget']) symlinkSync('busybox', join(base, 'bin', tool));
  execFileSync('tar', ['-C', base, '-cf', join(base, '..', 'demo-base.tar'), '.']);
  await engine.docker(['import', join(base, '..', 'demo-base.tar'), 'shardship-demo/base:1']);
  editConfig(repo, (t) => t.replace('registry.local:5000', registry.host));
  git(repo, 'commit', '-q', '-am', 'build: push images to the demo registry');
  stageEnv.docker = engine.env;
  const run = await shardship(['build', '--build-arg', 'BASE_IMAGE=shardship-demo/base:1', '--json'], { cwd: repo, env: engine.env });
  expectCode('build', run, 0);
  const result = JSON.parse(run.stdout) as { digest?: string; tags?: string[]; repository?: string };
  const tag = result.tags?.[0] ?? '';
  const image = tag.includes('/') ? tag : `${registry.host}/loan-service:${tag}`;
  report.build = { image: `${registry.host}/loan-service`, ...(result.digest ? { digest: result.digest } : {}), tags: result.tags ?? [], pushed: true };
  return { name: 'build', ok: true, detail: `pushed ${image} (${result.digest ?? 'no digest'})`, runs: [run], image };
}

/** Migrate: one migration against logical tables, applied to every physical shard on real MariaDB nodes. */
async function migrateStage(repo: string, report: PipelineReport): Promise<DemoStage> {
  heading('migrate: logical migrations on every physical shard (MariaDB)');
  const shards: ShardNodes = await startShardNodes(2);
  demoShards = shards;
  running.push({ stop: () => shards.stopAll() });
  const [n1, n2] = shards.nodes;
  for (const [node, dbs] of [[n1!, ['loan_0', 'loan_1']], [n2!, ['loan_2', 'loan_3']]] as const) {
    for (const db of dbs) await rootQuery(node, `CREATE DATABASE IF NOT EXISTS ${db}`);
  }
  const env = { LOAN_N1_DSN: n1!.dsn, LOAN_N2_DSN: n2!.dsn };
  stageEnv.db = env;
  const runs: CliRun[] = [];
  runs.push(await shardship(['migrate', 'plan', '--env', 'production'], { cwd: repo, env }));
  const plan = JSON.parse((await shardship(['migrate', 'plan', '--env', 'production', '--json'], { cwd: repo, env, quiet: true })).stdout) as MigrationPlan;
  const apply = await shardship(['migrate', 'apply', '--env', 'production', '--canary', '1'], { cwd: repo, env });
  runs.push(apply);
  expectCode('migrate apply', apply, 0);
  report.migrations = [
    {
      environment: 'production',
      plan,
      results: plan.databases.flatMap((db) => db.migrations.map((m) => ({ node: db.target.node, database: db.target.database, version: m.migration.version, status: 'applied' as const }))),
    },
  ];
  const again = await shardship(['migrate', 'apply', '--env', 'production'], { cwd: repo, env });
  runs.push(again);
  expectCode('migrate apply (again: nothing to do)', again, 0);
  const verify = await shardship(['migrate', 'verify', '--env', 'production'], { cwd: repo, env });
  runs.push(verify);
  expectCode('migrate verify', verify, 0);
  const status = await shardship(['migrate', 'status', '--env', 'production'], { cwd: repo, env });
  runs.push(status);

  // Backups and undo: every shard backed up and verified, then a destructive migration is
  // snapshotted by apply and undone. Its file is never committed and is removed after the undo.
  const backups = tempDir('demo-backups');
  const backup = await shardship(['backup', 'create', '--env', 'production', '--to', backups, '--json'], { cwd: repo, env, quiet: true });
  expectCode('backup create', backup, 0);
  const backupId = (JSON.parse(backup.stdout) as { id: string }).id;
  const verified = await shardship(['backup', 'verify', backupId, '--to', backups], { cwd: repo, env });
  runs.push(verified);
  expectCode('backup verify', verified, 0);
  const destructive = join(repo, 'migrations', 'V2.1__drop_loan_status.sql');
  writeFileSync(destructive, '-- shardship-disable-next-line sql/destructive-drop\nALTER TABLE t_loan DROP COLUMN status;\n');
  const dropped = await shardship(['migrate', 'apply', '--env', 'production'], { cwd: repo, env });
  runs.push(dropped);
  expectCode('migrate apply (destructive, snapshotted)', dropped, 0);
  const undo = await shardship(['migrate', 'undo', '2.1', '--env', 'production'], { cwd: repo, env });
  runs.push(undo);
  expectCode('migrate undo 2.1', undo, 0);
  rmSync(destructive);
  const afterUndo = await shardship(['migrate', 'verify', '--env', 'production'], { cwd: repo, env });
  expectCode('migrate verify (after undo)', afterUndo, 0);
  return { name: 'migrate', ok: true, detail: `2 migrations on 4 databases / 2 nodes; re-apply a no-op; no drift; backup ${backupId} verified; a DROP COLUMN snapshotted and undone`, runs };
}

/**
 * A preview environment for the demo's pull request: its namespace, ShardingSphere-Proxy and
 * apps on the control plane, and its own databases on the MariaDB nodes, migrated and verified;
 * then removed, with nothing left.
 */
async function envStage(repo: string, image: string): Promise<DemoStage> {
  heading('env: a preview environment for PR #7 (namespace, proxy, apps and its own migrated shards)');
  if (!demoShards || !stageEnv.db || !stageEnv.release) throw new Error('env: the migrate and release stages must run first');
  // env up creates a database user per environment: the node's user needs GRANT OPTION (docs/environments.md).
  for (const n of demoShards.nodes) await rootQuery(n, "GRANT ALL PRIVILEGES ON *.* TO 'shardship'@'127.0.0.1' WITH GRANT OPTION");
  const env = { ...stageEnv.db, ...stageEnv.release };
  const runs: CliRun[] = [];
  const t0 = Date.now();
  const up = await shardship(['env', 'up', 'pr-7', '--from', 'production', '--image', image, '--pr', '7', '--wait', '2m'], { cwd: repo, env });
  runs.push(up);
  expectCode('env up pr-7', up, 0);
  const upSeconds = (Date.now() - t0) / 1000;
  const list = await shardship(['env', 'list'], { cwd: repo, env });
  runs.push(list);
  expectCode('env list', list, 0);
  if (!list.stdout.includes('pr-7')) throw new Error('env list does not show pr-7');
  const made = (await Promise.all(demoShards.nodes.map((n) => rootQuery(n, "SHOW DATABASES LIKE 'env\\_pr\\_7%'")))).flat().length;
  const down = await shardship(['env', 'down', 'pr-7', '--wait', '2m'], { cwd: repo, env });
  runs.push(down);
  expectCode('env down pr-7', down, 0);
  const left = (await Promise.all(demoShards.nodes.map((n) => rootQuery(n, "SHOW DATABASES LIKE 'env\\_pr\\_7%'")))).flat().length;
  if (made === 0 || left !== 0) throw new Error(`env: ${made} databases made, ${left} left after down`);
  return { name: 'env', ok: true, detail: `preview environment pr-7 ready in ${upSeconds.toFixed(1)}s (${made} databases migrated and verified, proxy and apps), then removed with nothing left`, runs };
}

/**
 * Release: on the test bed's real Kubernetes control plane (kube-apiserver, controller-manager,
 * scheduler and KWOK nodes, built from Go modules; pods run no containers) with a real
 * Prometheus scraping simulated traffic that follows the real routing objects: the first
 * version, a canary promoted to 100%, and a bad version that analysis rolls back by itself.
 */
async function releaseStage(repo: string, image: string, report: PipelineReport): Promise<DemoStage> {
  heading('release: canary on Kubernetes with Prometheus analysis');
  const before = readState();
  const wasRunning = before !== undefined && (await healthy(before));
  console.log(pc.dim(wasRunning ? '  reusing the running control plane (npm run cluster:up)' : '  starting the control plane (the first run on a machine builds it from Go modules, about 7 minutes on 2 cores, with progress below)'));
  const plane = await sharedControlPlane();
  if (!wasRunning) running.push({ stop: () => stopSharedControlPlane().then(() => undefined) });
  console.log(pc.dim(`  Kubernetes ${plane.kubeVersion} at ${plane.url} (etcd, kube-apiserver with RBAC, controller-manager, scheduler, KWOK nodes)`));
  // A namespace left by an earlier demo on a reused control plane goes first.
  await kubectlRun(plane, ['delete', 'namespace', 'loans', '--ignore-not-found', '--wait=true', '--timeout=120s']);
  const created = await kubectlRun(plane, ['create', 'namespace', 'loans']);
  if (created.code !== 0) throw new Error(`kubectl create namespace loans: ${created.stderr}`);
  running.push({ stop: () => kubectlRun(plane, ['delete', 'namespace', 'loans', '--wait=false']).then(() => undefined) });
  const traffic = await startTraffic({ kubeconfigPath: plane.kubeconfigPath });
  running.push(traffic);
  const prom = await startPrometheus({ targets: [traffic.metricsUrl], scrapeIntervalSeconds: 1 });
  running.push(prom);
  await prom.waitForTargets();
  traffic.set({ namespace: 'loans', host: 'loan-service', rps: 200 });
  // The release history records who acted: a root shell in a container often has no USER.
  const env = { KUBECONFIG: plane.kubeconfigPath, PROMETHEUS_URL: prom.url, USER: process.env.USER ?? userInfo().username };
  stageEnv.release = env;
  cluster = { traffic, prom };
  const runs: CliRun[] = [];
  const release = async (args: string[], want: number, what: string) => {
    const r = await shardship(['release', ...args], { cwd: repo, env });
    runs.push(r);
    expectCode(what, r, want);
    return r;
  };

  const sample = (samples: RolloutSample[]) => sampleRollout(traffic, prom, samples);
  const canaryImage = image.replace(/:[^:/]+$/, ':v2');
  await release(['start', '--app', 'loan-service', '--image', image], 0, 'first release (becomes stable)');

  console.log(pc.bold('  canary of the new version: 20%, wait for promote, analysis, 50%, analysis, 100%'));
  const good: RolloutSample[] = [];
  const stopGood = sample(good);
  await release(['start', '--app', 'loan-service', '--image', canaryImage, '--analysis-interval', '2s'], 3, 'canary start (paused awaiting promotion)');
  await release(['status', '--app', 'loan-service'], 3, 'status while paused');
  await release(['promote', '--app', 'loan-service'], 0, 'promote (analysis passes, canary becomes stable)');
  await stopGood();

  console.log(pc.bold('  a bad version: 40% of its requests fail; analysis must roll it back by itself'));
  const bad: RolloutSample[] = [];
  const stopBad = sample(bad);
  const badImage = image.replace(/:[^:/]+$/, ':v3-bad');
  await release(['start', '--app', 'loan-service', '--image', badImage, '--pod-annotation', `${ANNOTATION.errorRate}=0.4`], 3, 'bad canary start');
  await release(['promote', '--app', 'loan-service'], 1, 'promote of the bad version (analysis fails, automatic abort)');
  await stopBad();
  const after = await traffic.route('loans', 'loan-service');
  const stableShare = after.filter((o) => !o.deployment.endsWith('-canary')).reduce((a, o) => a + o.share, 0);
  if (Math.abs(stableShare - 1) > 1e-9) throw new Error(`after the abort stable serves ${stableShare * 100}% instead of 100%`);
  console.log(pc.green('  rolled back: stable serves 100% of traffic'));
  await release(['history', '--app', 'loan-service'], 0, 'history');
  const { history } = JSON.parse((await shardship(['release', 'history', '--app', 'loan-service', '--json'], { cwd: repo, env, quiet: true })).stdout) as { history: HistoryLine[] };
  report.releases!.push(releaseReport('loan-service (v2)', 2, history, 'promoted', good), releaseReport('loan-service (v3, bad)', 3, history, 'aborted', bad));
  return { name: 'release', ok: true, detail: 'v2 canary promoted to 100%; bad v3 aborted by analysis, stable back at 100%', runs };
}

/** Sample the canary's share of traffic and its error rate while releases run, for the chart. */
function sampleRollout(traffic: TrafficGenerator, prom: RunningPrometheus, samples: RolloutSample[]): () => Promise<void> {
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const shares = await traffic.route('loans', 'loan-service').catch(() => []);
      const weight = Math.round(100 * shares.filter((o) => o.deployment.endsWith('-canary')).reduce((a, o) => a + o.share, 0));
      const q = await prom
        .query('sum(rate(istio_requests_total{destination_workload_namespace="loans",destination_workload="loan-service-canary",response_code=~"5.."}[4s])) / sum(rate(istio_requests_total{destination_workload_namespace="loans",destination_workload="loan-service-canary"}[4s]))')
        .catch(() => []);
      const errorRate = Number(q[0]?.value[1] ?? 0);
      samples.push({ t: Date.now(), weight, errorRate: Number.isFinite(errorRate) ? errorRate : 0 });
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const done = loop();
  return async () => {
    stopped = true;
    await done;
  };
}

interface HistoryLine {
  revision: number;
  action: string;
  image: string;
  detail: string;
}

/** The report of one revision, its steps read back from the release history kept in the cluster. */
function releaseReport(app: string, revision: number, history: HistoryLine[], state: string, samples: RolloutSample[]): ReleaseStageReport {
  const mine = history.filter((h) => h.revision === revision && h.action !== 'start');
  const status = (a: string): ReleaseStageReport['steps'][number]['status'] => (a === 'abort' || a === 'aborted' || a === 'freeze' ? 'failed' : 'done');
  return {
    app,
    strategy: 'canary',
    state,
    image: mine[0]?.image ?? '',
    steps: mine.map((h) => {
      const weight = /weight (\d+)%/.exec(h.detail)?.[1];
      return { name: h.action, ...(weight ? { weight: Number(weight) } : {}), status: status(h.action), note: h.detail };
    }),
    samples,
    maxErrorRate: 0.05,
  };
}

/** The outputs `shardship run` prints, as the pipeline action sets them (`key: value` lines). */
const OUTPUTS = ['gate-result', 'gate-findings', 'image', 'digest', 'tags', 'migration-summary', 'release-state', 'command-result', 'exit-code'];

function runOutputs(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of stdout.matchAll(/^(\S+): (.*)$/gm)) if (OUTPUTS.includes(m[1]!)) out[m[1]!] = m[2]!;
  return out;
}

/** Where any of the secrets shows up: each place's text is searched for each secret. */
function leaks(secrets: string[], places: Record<string, string>): string[] {
  return secrets.filter((s) => s.length >= 6).flatMap((s) => Object.entries(places).filter(([, text]) => text.includes(s)).map(([where]) => where));
}

/**
 * Pipeline: one more push (a config change, a new migration, a code change) run the way the
 * `pipeline` action runs it, `shardship run --event push` on a real push webhook payload, with
 * every stage reporting to a local GitHub API that checks each request against GitHub's OpenAPI
 * description. The canary pauses at 20% awaiting promotion, and a `/shardship promote` comment
 * from a collaborator with write permission (checked through the API) finishes it.
 */
async function pipelineStage(work: string, repo: string, report: PipelineReport): Promise<DemoStage> {
  heading('pipeline: a new push through `shardship run --event push` (gate, build, migrate, release), reported to GitHub');
  if (!stageEnv.docker || !stageEnv.db || !stageEnv.release || !cluster) throw new Error('pipeline: the build, migrate and release stages must run first');
  const gh = await startGitHubServer();
  running.push(gh);
  console.log(pc.dim(`  local GitHub API on ${gh.url}: every request is checked against GitHub's OpenAPI description`));
  const before = git(repo, 'rev-parse', 'HEAD');
  editConfig(repo, (t) => t.replace(/^build:\n/m, 'build:\n  args: { BASE_IMAGE: shardship-demo/base:1 }\n'));
  git(repo, 'commit', '-q', '-am', 'build: build on the demo base image');
  writeFileSync(join(repo, 'migrations', 'V3__add_loan_product.sql'), '-- The product a loan was taken out on (t_product.code).\nALTER TABLE t_loan ADD COLUMN product_code VARCHAR(32) NULL, ALGORITHM=INSTANT;\n');
  const server = join(repo, 'src', 'server.ts');
  writeFileSync(server, readFileSync(server, 'utf8').replace("  status: 'pending' | 'active' | 'repaid';\n", "  status: 'pending' | 'active' | 'repaid';\n  productCode?: string;\n"));
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'feat(loan): record the product of each loan');
  const after = git(repo, 'rev-parse', 'HEAD');
  console.log(pc.dim(`  push to main ${before.slice(0, 7)}..${after.slice(0, 7)}: "build: build on the demo base image", "feat(loan): record the product of each loan" (migration V3 + src/server.ts)`));

  // A real push webhook payload, moved onto the demo repo's commits; kept outside the repo.
  const push = webhookExample('push', (x) => typeof x.ref === 'string' && x.ref.startsWith('refs/heads/') && x.deleted === false) as { head_commit?: { id: string } | null };
  Object.assign(push, { ref: 'refs/heads/main', before, after, created: false, deleted: false, forced: false });
  if (push.head_commit) push.head_commit.id = after;
  const pushFile = join(work, 'push-event.json');
  writeFileSync(pushFile, JSON.stringify(push));
  const summaryFile = join(work, 'push-summary.md');
  const token = `ghs_${randomBytes(18).toString('hex')}`;
  const env = { ...stageEnv.docker, ...stageEnv.db, ...stageEnv.release, GITHUB_TOKEN: token };
  const samples: RolloutSample[] = [];
  const stopSampling = sampleRollout(cluster.traffic, cluster.prom, samples);
  const runs: CliRun[] = [];
  const run = await shardship(['run', '--event', 'push', '--payload', pushFile, '--api-url', gh.url, '--summary', summaryFile], { cwd: repo, env, hide: DOCKER_STEP_NOISE });
  runs.push(run);
  // 3 = paused: the canary waits at 20% for a promotion (the step passes, the status is pending).
  expectCode('pipeline (push)', run, 3);
  const out = runOutputs(run.stdout);
  const checks = gh.state.checkRuns.map((c) => `${c.name} ${c.conclusion ?? c.status}`);
  const wanted = ['shardship/gate success', 'shardship/build success', 'shardship/migrate success', 'shardship/release (production) neutral'];
  if (checks.join() !== wanted.join()) throw new Error(`pipeline: check runs ${checks.join(', ')}; expected ${wanted.join(', ')}`);
  // V1 and V2 are already on every database: only the pushed V3 runs, on all 4.
  if (!/: 4 applied, 8 skipped, 0 failed$/.test(out['migration-summary'] ?? '')) throw new Error(`pipeline: migrations ${out['migration-summary'] ?? '(none)'}; expected V3 applied on 4 databases`);
  const status = gh.state.statuses.at(-1);
  const deployment = gh.state.deployments.at(-1);
  console.log(pc.bold('  reported to GitHub:'));
  console.log(`    check runs: ${checks.join(' · ')}`);
  console.log(`    commit status ${status?.context ?? '(none)'}: ${status?.state ?? '(none)'}`);
  const depStatus = deployment?.statuses.at(-1);
  console.log(`    deployment to ${deployment?.environment ?? '(none)'}: statuses ${deployment?.statuses.map((x) => x.state).join(' → ') ?? '(none)'}${depStatus?.description ? ` (${depStatus.description})` : ''}`);
  console.log(`    image ${out.image ?? '?'} ${out.digest ?? ''}`);
  console.log(`    migrations: ${out['migration-summary'] ?? '?'}`);
  console.log(`    release: ${out['release-state'] ?? '?'} (canary at 20%, awaiting promotion)`);

  // A collaborator with write permission promotes it from a comment.
  const comment = webhookExample('issue_comment', 'created') as { issue: { number: number }; comment: { id: number; body: string; user: { login: string; type: string } } };
  comment.comment.body = '/shardship promote loan-service';
  comment.comment.user.type = 'User';
  const commenter = comment.comment.user.login;
  gh.state.collaborators.set(commenter, 'write');
  const commentFile = join(work, 'comment-event.json');
  writeFileSync(commentFile, JSON.stringify(comment));
  console.log(pc.bold(`  ${commenter} (write permission) comments "/shardship promote loan-service"`));
  const promote = await shardship(['run', '--event', 'issue_comment', '--payload', commentFile, '--api-url', gh.url, '--summary', join(work, 'comment-summary.md')], { cwd: repo, env });
  runs.push(promote);
  expectCode('pipeline (/shardship promote)', promote, 0);
  await stopSampling();
  const promoted = runOutputs(promote.stdout);
  if (promoted['release-state'] !== 'loan-service=promoted') throw new Error(`pipeline: after /shardship promote the release is ${promoted['release-state'] ?? '(unknown)'}`);
  const replies = gh.state.comments.filter((c) => c.issue_number === comment.issue.number);
  const reactions = gh.state.reactions.filter((r) => r.comment_id === comment.comment.id).map((r) => r.content);
  console.log(`    command ${promoted['command-result'] ?? '?'}: ${promoted['release-state'] ?? '?'}; ${replies.length} reply comment(s), reaction ${reactions.join(', ') || '(none)'}`);
  // The promotion ends the release the push left paused: its deployment and the push's status settle.
  const settled = gh.state.deployments.at(-1);
  const pushStatus = gh.state.statuses.filter((x) => x.sha === after && x.context === 'shardship/push').at(-1);
  console.log(`    deployment to ${settled?.environment ?? '(none)'}: ${settled?.statuses.map((x) => x.state).join(' → ') ?? '(none)'}; commit status shardship/push: ${pushStatus?.state ?? '(none)'}`);
  if (settled?.statuses.at(-1)?.state !== 'success' || pushStatus?.state !== 'success') throw new Error('pipeline: the promotion did not settle the deployment and the commit status');

  if (gh.violations.length) throw new Error(`pipeline: ${gh.violations.length} request(s) broke GitHub's OpenAPI description:\n${gh.violations.join('\n')}`);
  const secrets = [token, ...Object.values(stageEnv.db).map((dsn) => decodeURIComponent(new URL(dsn).password))];
  const leaked = leaks(secrets, {
    'CLI output': runs.map((r) => r.stdout + r.stderr).join('\n'),
    'job summary': readFileSync(summaryFile, 'utf8'),
    'GitHub requests': JSON.stringify(gh.requests.map((r) => r.body)),
  });
  if (leaked.length) throw new Error(`pipeline: a secret shows in: ${[...new Set(leaked)].join(', ')}`);
  console.log(pc.green(`  ${gh.requests.length} GitHub API requests, 0 OpenAPI violations; the token and DSN passwords appear in no output, summary or request`));

  const { history } = JSON.parse((await shardship(['release', 'history', '--app', 'loan-service', '--json'], { cwd: repo, env: stageEnv.release, quiet: true })).stdout) as { history: HistoryLine[] };
  const revision = Math.max(...history.map((h) => h.revision));
  report.releases!.push(releaseReport(`loan-service (r${revision}, pushed through the pipeline)`, revision, history, promoted['release-state']?.split('=')[1] ?? 'unknown', samples));
  (report.sections ??= []).push({
    title: `Pipeline: push ${before.slice(0, 7)}..${after.slice(0, 7)} reported to GitHub (${gh.requests.length} API requests, 0 OpenAPI violations)`,
    header: ['what', 'name', 'result', 'detail'],
    rows: [
      ...gh.state.checkRuns.map((c) => ['check run', c.name, c.conclusion ?? c.status, c.output.title ?? '']),
      ...gh.state.statuses.map((x) => ['commit status', x.context, x.state, x.description ?? '']),
      ...gh.state.deployments.map((d) => ['deployment', d.environment, d.statuses.map((x) => x.state).join(' → '), d.description ?? '']),
      ...Object.entries(out).map(([k, v]) => ['output', k, v, '']),
      ['comment', '/shardship promote loan-service', promoted['command-result'] ?? '', `${replies.length} reply, reaction ${reactions.join(', ')}`],
    ],
  });
  return {
    name: 'pipeline',
    ok: true,
    detail: `push ${before.slice(0, 7)}..${after.slice(0, 7)} through \`shardship run --event push\`: gate, build ${out.digest?.slice(0, 19) ?? ''}…, V3 applied on 4 databases, canary paused at 20% then promoted by a /shardship comment; ${gh.state.checkRuns.length} check runs, commit status, deployment: ${gh.requests.length} GitHub requests, 0 OpenAPI violations`,
    runs,
  };
}

async function main(): Promise<void> {
  const work = tempDir('demo');
  const repo = join(work, 'loan-service');
  mkdirSync(repo);
  cpSync(join(root, 'examples', 'loan-service'), repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'feat: initial loan service');
  console.log(pc.bold(`shardship demo in ${repo}`));
  const stages: DemoStage[] = [];
  const report: PipelineReport = { title: 'shardship demo: loan-service', releases: [], notes: [] };
  try {
    stages.push(await gateStage(repo, report));
    const built = await buildStage(repo, report);
    stages.push(built);
    stages.push(await migrateStage(repo, report));
    stages.push(await releaseStage(repo, built.image!, report));
    stages.push(await envStage(repo, built.image!));
    stages.push(await pipelineStage(work, repo, report));
  } finally {
    for (const s of running.reverse()) await s.stop().catch(() => undefined);
  }
  report.notes = stages.map((s) => `${s.name}: ${s.detail}`);
  const reportFile = join(work, 'report.html');
  writeFileSync(reportFile, htmlReport(report));
  heading('summary');
  for (const s of stages) console.log(`  ${s.ok ? pc.green('ok  ') : pc.red('FAIL')} ${s.name}: ${s.detail}`);
  console.log(`\n  HTML report: ${reportFile}`);
}

main().catch((e: unknown) => {
  console.error(pc.red(`demo failed: ${e instanceof Error ? e.message : String(e)}`));
  process.exitCode = 1;
});
