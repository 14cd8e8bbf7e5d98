// `shardship env up|down|list|gc`: DB Mesh environments. Thin: read flags and config, build the
// Cluster and ShardConnector adapters, call one function of pipeline/env, print its report.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliContext, CommandModule } from '../context.js';
import { parseDurationFlag } from '../flags.js';
import { UsageError } from '../../core/errors.js';
import { versioned, type Output } from '../../core/output.js';
import type { ShardshipConfig } from '../../config/schema.js';
import type { EnvConfig } from '../../config/env.js';
import type { LoadedConfig } from '../../config/load.js';
import type { ShardConnector } from '../../core/shards.js';
import type { MigrateSession } from '../../session/migrate.js';
import type { BulkUpReport, UpReport } from '../../env/up.js';
import type { DownReport, GcReport } from '../../env/down.js';
import type { EnvironmentSummary } from '../../env/list.js';
import type { NodeAddress } from '../../env/ports.js';

interface CommonFlags {
  config: string;
  kubeconfig?: string;
  json?: boolean;
}

interface Loaded {
  config: ShardshipConfig;
  env: EnvConfig;
  source: LoadedConfig['source'];
}

async function load(ctx: CliContext, flags: CommonFlags): Promise<Loaded> {
  const [{ loadConfig }, { EnvConfig }] = await Promise.all([import('../../config/load.js'), import('../../config/env.js')]);
  const loaded = await loadConfig(ctx.cwd, flags.config);
  return { config: loaded.config, env: loaded.config.env ?? EnvConfig.parse({}), source: loaded.source };
}

async function cluster(ctx: CliContext, flags: CommonFlags, config: ShardshipConfig) {
  const [{ connectCluster }, { durationMs }] = await Promise.all([import('../../kube/client.js'), import('../../config/common.js')]);
  const kubeconfigPath = flags.kubeconfig ?? ctx.env.KUBECONFIG;
  return connectCluster({ ...(kubeconfigPath ? { kubeconfigPath } : {}), requestTimeoutMs: durationMs(config.timeouts.kubernetes) });
}

/** One migrate session (topology, connector) per source environment, connected on first use, all ended by `end`. */
async function shardsBySource(ctx: CliContext, loaded: Loaded) {
  const { openMigrateSession } = await import('../../session/migrate.js');
  const sessions = new Map<string, MigrateSession>();
  const connectors = new Map<string, Promise<ShardConnector>>();
  const session = (from: string): MigrateSession =>
    sessions.get(from) ?? sessions.set(from, openMigrateSession({ cwd: ctx.cwd, config: loaded.config, ...(loaded.source ? { source: loaded.source } : {}), environment: from, env: ctx.env })).get(from)!;
  const get = (from: string): Promise<ShardConnector> => connectors.get(from) ?? connectors.set(from, session(from).connect()).get(from)!;
  const end = async () => void (await Promise.all([...connectors.values()].map((c) => c.then((x) => x.end(), () => undefined))));
  return { get, topology: (from: string) => session(from).topology, end };
}

/** Names from NAME, or --count N --prefix P (P1..PN), or --names-file (one per line). */
async function namesFrom(ctx: CliContext, name: string | undefined, flags: { count?: string; prefix?: string; namesFile?: string }): Promise<string[]> {
  if (flags.namesFile) {
    const text = await readFile(resolve(ctx.cwd, flags.namesFile), 'utf8');
    return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  }
  if (flags.count !== undefined) {
    const n = Number(flags.count);
    if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new UsageError(`--count ${flags.count}: a whole number from 1 to 10000`);
    if (!flags.prefix) throw new UsageError('--count needs --prefix (names are <prefix>1 .. <prefix>N)');
    if (name) throw new UsageError('give NAME or --count/--prefix, not both');
    return Array.from({ length: n }, (_, i) => `${flags.prefix}${i + 1}`);
  }
  if (!name) throw new UsageError('name the environment: env up NAME (or --count N --prefix P, or --names-file FILE)');
  return [name];
}

/** --seed FILE or DIR (every *.sql in it, by name), repeatable. */
async function seedFiles(ctx: CliContext, paths: string[]): Promise<{ file: string; text: string }[]> {
  const out: { file: string; text: string }[] = [];
  for (const p of paths) {
    const abs = resolve(ctx.cwd, p);
    const files = (await stat(abs)).isDirectory() ? (await readdir(abs)).filter((f) => f.endsWith('.sql')).sort().map((f) => join(abs, f)) : [abs];
    for (const f of files) out.push({ file: relative(ctx.cwd, f) || f, text: await readFile(f, 'utf8') });
  }
  return out;
}

async function nodeAddresses(ctx: CliContext, loaded: Loaded, topology: { nodes: { name: string; dsnEnv: string }[]; environment: string }): Promise<Record<string, NodeAddress>> {
  const { parseDsn } = await import('../../mysql/pool.js');
  const out: Record<string, NodeAddress> = {};
  for (const n of topology.nodes) {
    const override = loaded.env.proxyHosts[n.name];
    if (override) {
      const [host, port] = override.split(':');
      out[n.name] = { host: host!, port: port ? Number(port) : 3306 };
      continue;
    }
    const dsn = ctx.env[n.dsnEnv];
    if (!dsn) continue; // the connector reports the missing env var
    const e = parseDsn(dsn, { node: n.name, dsnEnv: n.dsnEnv, path: `migrate.environments.${topology.environment}.nodes.${n.name}.dsnEnv` });
    out[n.name] = { host: e.host, port: e.port };
  }
  return out;
}

function printUp(out: Output, r: UpReport): void {
  const p = out.paint;
  const status = r.status === 'ready' ? p.green(r.status) : p.red(r.status);
  out.out(`${p.bold(r.name)}  ${status}  namespace ${r.namespace}  ${r.databases.length} databases  ${r.image ?? 'no image'}  expires ${r.expiresAt}`);
  out.out(p.dim(`  ${r.statementsRun} migration statements, ${r.seedStatements} seed statements, ${r.apiRequests} API requests, ${r.sqlStatements} SQL statements in ${(r.durationMs / 1000).toFixed(1)}s`));
  for (const m of r.missing) out.out(p.red('  missing ') + m);
  if (r.missing.length) out.out(`  run \`shardship env up ${r.name}\` again to complete it: only what is missing is done`);
}

function printDown(out: Output, r: DownReport): void {
  if (!r.existed) return out.out(`${r.name}: no such environment, nothing to remove`);
  out.out(`${r.name}: ${r.failed.length ? out.paint.red('not fully removed') : 'removed'} (namespace ${r.namespace}, ${r.removed.databases.length} databases)`);
  for (const f of r.failed) out.out(out.paint.red('  left ') + f);
}

function printList(out: Output, list: EnvironmentSummary[], formatBytes: (n: number) => string): void {
  if (!list.length) return out.out('no environments');
  out.out(['NAME', 'PR', 'OWNER', 'IMAGE', 'CREATED', 'EXPIRES', 'STATUS', 'SIZE/CAP'].join('\t'));
  for (const e of list) {
    const size = e.largestBytes === undefined ? '?' : `${formatBytes(e.largestBytes)}${e.capBytes ? ` / ${formatBytes(e.capBytes)}` : ''}`;
    const status = e.lockedBy ? `${e.status} (held by ${e.lockedBy})` : e.expired ? `${e.status}, expired` : e.status;
    out.out([e.name, e.pr ?? '-', e.owner, e.image ?? '-', e.createdAt, e.expiresAt, status, size].join('\t'));
  }
}

function common(cmd: Command): Command {
  return cmd.option('-c, --config <file>', 'config file', 'shardship.yaml').option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG)').option('--json', 'print the report as JSON');
}

export const registerEnv: CommandModule = (program, ctx) => {
  const env = program.command('env').description('DB Mesh environments: a namespace, its apps, ShardingSphere-Proxy and its own migrated shards, per pull request or customer');

  common(env.command('up [name]'))
    .description('create an environment (or complete / update one) and wait until it is ready (exit 0 ready, 1 incomplete or held, 2 refused)')
    .option('--from <env>', 'migrate environment whose topology it copies (default: env.from, or the only one)')
    .option('--image <ref>', 'image of the apps')
    .option('--digest <sha256:...>', 'image of the apps as build.repository@DIGEST')
    .option('--ttl <duration>', 'lifetime before `env gc` removes it (default: env.ttl)')
    .option('--seed <file|dir>', 'SQL file(s) of INSERTs on logical tables, routed by shard key (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--count <n>', 'create N environments <prefix>1..<prefix>N in parallel')
    .option('--prefix <p>', 'with --count: name prefix')
    .option('--names-file <file>', 'create one environment per line of FILE')
    .option('--pr <number>', 'pull request number (annotated and listed)')
    .option('--owner <who>', 'owner (default: the runner: GITHUB_ACTOR or user@host)')
    .option('--wait <duration>', 'wait this long for the proxy and apps to be available (0: do not wait)', '5m')
    .action(async (name: string | undefined, flags: CommonFlags & { from?: string; image?: string; digest?: string; ttl?: string; seed: string[]; count?: string; prefix?: string; namesFile?: string; pr?: string; owner?: string; wait: string }) => {
      if (flags.image && flags.digest) throw new UsageError('give --image or --digest, not both');
      const names = await namesFrom(ctx, name, flags);
      const loaded = await load(ctx, flags);
      const [{ upEnvironment, upEnvironments }, { environmentApps }, { readMigrations }, { migrateSection }, { chooseEnvironment }, { actorLine, currentActor }, { durationMs }] = await Promise.all([
        import('../../env/up.js'),
        import('../../env/apps.js'),
        import('../../migrate/migration-files.js'),
        import('../../migrate/plan.js'),
        import('../../session/migrate.js'),
        import('../../core/actor.js'),
        import('../../config/common.js'),
      ]);
      const migrate = migrateSection(loaded.config);
      const from = chooseEnvironment(migrate, flags.from ?? loaded.env.from);
      let image = flags.image;
      if (flags.digest) {
        if (!/^sha256:[a-f0-9]{64}$/.test(flags.digest)) throw new UsageError(`--digest ${flags.digest}: write sha256:<64 hex>`);
        if (!loaded.config.build?.repository) throw new UsageError('--digest needs build.repository in shardship.yaml', { hint: 'or pass --image REPOSITORY@DIGEST' });
        image = `${loaded.config.build.repository}@${flags.digest}`;
      }
      const pr = flags.pr === undefined ? undefined : Number(flags.pr);
      if (pr !== undefined && (!Number.isInteger(pr) || pr < 1)) throw new UsageError(`--pr ${flags.pr}: a pull request number`);
      const ttlMs = flags.ttl ? await parseDurationFlag('ttl', flags.ttl) : durationMs(loaded.env.ttl);
      const readyTimeoutMs = await parseDurationFlag('wait', flags.wait);
      const shards = await shardsBySource(ctx, loaded);
      const topology = shards.topology(from);
      const who = actorLine(currentActor(ctx.env));
      try {
        const opts = {
          cluster: await cluster(ctx, flags, loaded.config),
          shards: await shards.get(from),
          topology,
          config: loaded.env,
          migrations: await readMigrations(resolve(ctx.cwd, migrate.directory), { cwd: ctx.cwd }),
          migrateRules: migrate.rules,
          executor: migrate,
          nodeConcurrency: Object.fromEntries(topology.nodes.map((n) => [n.name, n.concurrency])),
          seed: await seedFiles(ctx, flags.seed),
          apps: await environmentApps(loaded.config.release, loaded.env, ctx.cwd),
          addresses: await nodeAddresses(ctx, loaded, topology),
          appliedBy: who,
          readyTimeoutMs,
          log: (line: string) => ctx.output.err(ctx.output.paint.dim(line)),
        };
        const requests = names.map((n) => ({ name: n, owner: flags.owner ?? who, ttlMs, ...(pr !== undefined ? { pr } : {}), ...(image ? { image } : {}) }));
        if (names.length === 1) {
          const r = await upEnvironment(requests[0]!, opts);
          if (flags.json) ctx.output.json(versioned(r));
          else printUp(ctx.output, r);
          ctx.exitCode = r.exitCode;
          return;
        }
        const bulk: BulkUpReport = await upEnvironments(requests, opts);
        if (flags.json) ctx.output.json(versioned(bulk));
        else {
          for (const e of bulk.environments) {
            if ('namespace' in e) printUp(ctx.output, e);
            else ctx.output.out(`${ctx.output.paint.bold(e.name)}  ${ctx.output.paint.red(e.status)}  ${e.error}`);
          }
          ctx.output.out(`${bulk.environments.filter((e) => e.exitCode === 0).length}/${bulk.environments.length} ready in ${(bulk.durationMs / 1000).toFixed(1)}s`);
        }
        ctx.exitCode = bulk.exitCode;
      } finally {
        await shards.end();
      }
    });

  common(env.command('down [name]'))
    .description('remove exactly what the environment\'s record lists: its databases, its user, its namespace; idempotent (exit 0 removed or absent, 1 something left)')
    .option('--count <n>', 'remove <prefix>1..<prefix>N')
    .option('--prefix <p>', 'with --count: name prefix')
    .option('--names-file <file>', 'remove one environment per line of FILE')
    .option('--wait <duration>', 'wait this long for the namespace to be gone (0: do not wait)', '0')
    .action(async (name: string | undefined, flags: CommonFlags & { count?: string; prefix?: string; namesFile?: string; wait: string }) => {
      const names = await namesFrom(ctx, name, flags);
      const loaded = await load(ctx, flags);
      const { downEnvironments } = await import('../../env/down.js');
      const shards = await shardsBySource(ctx, loaded);
      try {
        const r = await downEnvironments(names, {
          cluster: await cluster(ctx, flags, loaded.config),
          shards: shards.get,
          config: loaded.env,
          namespaceTimeoutMs: await parseDurationFlag('wait', flags.wait),
          log: (line: string) => ctx.output.err(ctx.output.paint.dim(line)),
        });
        if (flags.json) ctx.output.json(versioned(names.length === 1 ? r.environments[0]! : r));
        else for (const e of r.environments) printDown(ctx.output, e);
        ctx.exitCode = r.exitCode;
      } finally {
        await shards.end();
      }
    });

  common(env.command('list'))
    .description('every environment: name, PR, owner, image, created, expires, status, database size against the cap')
    .option('--no-sizes', 'do not read database sizes from the nodes')
    .action(async (flags: CommonFlags & { sizes: boolean }) => {
      const loaded = await load(ctx, flags);
      const [{ listEnvironments }, { formatBytes }] = await Promise.all([import('../../env/list.js'), import('../../migrate/capacity.js')]);
      const shards = await shardsBySource(ctx, loaded);
      try {
        const r = await listEnvironments({
          cluster: await cluster(ctx, flags, loaded.config),
          ...(flags.sizes ? { shards: shards.get } : {}),
          capBytes: (from) => {
            try {
              return shards.topology(from).capacityBytes;
            } catch {
              return undefined;
            }
          },
        });
        if (flags.json) ctx.output.json(versioned(r));
        else printList(ctx.output, r.environments, formatBytes);
      } finally {
        await shards.end();
      }
    });

  common(env.command('gc'))
    .description('remove every expired environment (and nothing else: a failing API call removes nothing)')
    .action(async (flags: CommonFlags) => {
      const loaded = await load(ctx, flags);
      const { gcEnvironments } = await import('../../env/down.js');
      const shards = await shardsBySource(ctx, loaded);
      try {
        const r: GcReport = await gcEnvironments({ cluster: await cluster(ctx, flags, loaded.config), shards: shards.get, config: loaded.env, log: (line: string) => ctx.output.err(ctx.output.paint.dim(line)) });
        if (flags.json) ctx.output.json(versioned(r));
        else {
          for (const e of r.removed) printDown(ctx.output, e);
          ctx.output.out(`${r.removed.length} expired removed, ${r.kept.length} kept`);
        }
        ctx.exitCode = r.exitCode;
      } finally {
        await shards.end();
      }
    });
};
