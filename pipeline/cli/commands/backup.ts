// `shardship backup create|list|verify|prune|restore`: thin entry points. Each parses its flags,
// builds the MySQL connector and the tool adapters, and calls one function of pipeline/backup/.
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { actorLine, currentActor } from '../../core/actor.js';
import { versioned } from '../../core/output.js';
import type { CliContext, CommandModule } from '../context.js';
import type { BackupConfig } from '../../config/backup.js';
import type { MigrateConfig } from '../../config/migrate.js';
import type { Limits } from '../../backup/limits.js';
import type { NodeAccess } from '../../backup/ports.js';
import type { Topology } from '../../migrate/topology.js';
import type { ShardConnector } from '../../core/shards.js';

interface Flags {
  config: string;
  env?: string;
  to?: string;
  json?: boolean;
}

interface Session {
  backup: BackupConfig;
  migrate: MigrateConfig;
  root: string;
  topology?: Topology;
  connections?: ShardConnector;
  access: Record<string, NodeAccess>;
  limits: Limits;
  lockTimeoutSeconds: number;
  close(): Promise<void>;
}

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

async function openSession(ctx: CliContext, flags: Flags, opts: { connect: boolean; environment?: string }): Promise<Session> {
  // Loaded on use: `shardship --help` registers every command.
  const [{ loadConfig }, { BackupConfig }, { durationMs }, { migrateSection }, { openMigrateSession }] = await Promise.all([
    import('../../config/load.js'),
    import('../../config/backup.js'),
    import('../../config/common.js'),
    import('../../migrate/plan.js'),
    import('../../session/migrate.js'),
  ]);
  const loaded = await loadConfig(ctx.cwd, flags.config);
  const backup = BackupConfig.parse(loaded.config.backup ?? {});
  const migrate = migrateSection(loaded.config);
  const root = resolve(ctx.cwd, flags.to ?? backup.directory);
  const session: Session = {
    backup,
    migrate,
    root,
    access: {},
    limits: { concurrency: backup.concurrency, nodeConcurrency: backup.nodeConcurrency, threads: backup.threads },
    lockTimeoutSeconds: Math.max(1, Math.round(durationMs(backup.lockTimeout) / 1000)),
    close: () => Promise.resolve(),
  };
  if (!opts.connect) return session;
  const migrateSession = openMigrateSession({
    cwd: ctx.cwd,
    config: loaded.config,
    ...(loaded.source ? { source: loaded.source } : {}),
    environment: opts.environment ?? flags.env,
    env: ctx.env,
  });
  const { environment, topology } = migrateSession;
  const [connections, { parseDsn }] = await Promise.all([migrateSession.connect({ nodeConcurrency: backup.nodeConcurrency }), import('../../mysql/pool.js')]);
  for (const n of topology.nodes) {
    session.access[n.name] = parseDsn(ctx.env[n.dsnEnv]!, { node: n.name, dsnEnv: n.dsnEnv, path: `migrate.environments.${environment}.nodes.${n.name}.dsnEnv` });
  }
  session.limits.perNode = Object.fromEntries(topology.nodes.map((n) => [n.name, n.concurrency]));
  session.topology = topology;
  session.connections = connections;
  session.close = () => connections.end();
  return session;
}

function flagsOf(cmd: Command, withEnv = true): Command {
  cmd.option('-c, --config <file>', 'config file', 'shardship.yaml').option('--to <dir>', 'backup root (default: backup.directory)').option('--json', 'print the result as JSON');
  if (withEnv) cmd.option('--env <name>', 'environment from migrate.environments');
  return cmd;
}

export const registerBackup: CommandModule = (program: Command, ctx: CliContext) => {
  const backup = program.command('backup').description('shard backups (mydumper/myloader, mariadb-backup) with a verified manifest, restore, verify and retention');
  const p = () => ctx.output.paint;
  const line = (s: string) => ctx.output.err(s);

  flagsOf(backup.command('create'))
    .description('back up every physical database of the environment in parallel; MANIFEST.json is written last (exit 1 if any database is missing)')
    .option('--tables <logical,...>', 'only the physical tables of these logical tables', list)
    .option('--physical', 'mariadb-backup of whole nodes instead of mydumper per database')
    .option('--resume <id>', 'finish an incomplete backup: take only the databases it lacks')
    .action(async (opts: Flags & { tables?: string[]; physical?: boolean; resume?: string }) => {
      const s = await openSession(ctx, opts, { connect: true });
      try {
        const [{ createBackup, formatBytes }, { planBackup }, { Mydumper }] = await Promise.all([import('../../backup/create.js'), import('../../backup/plan.js'), import('../../backup-tools/mydumper.js')]);
        const physical = opts.physical ? new (await import('../../backup-tools/mariadb-backup.js')).MariadbBackup() : undefined;
        const plan = planBackup(s.topology!, opts.tables);
        const run = await createBackup(plan, {
          topology: s.topology!,
          connections: s.connections!,
          access: s.access,
          dumper: new Mydumper(),
          ...(physical ? { physical } : {}),
          root: s.root,
          limits: s.limits,
          lockTimeoutSeconds: s.lockTimeoutSeconds,
          ...(opts.resume ? { resume: opts.resume } : {}),
          onProgress: (e) => {
            if (e.type !== 'database-done') return;
            const r = e.report;
            const state = r.outcome === 'done' || r.outcome === 'kept' ? p().green(r.outcome) : p().red(r.outcome);
            line(`${`${r.target.node}/${r.target.database}`.padEnd(24)} ${state.padEnd(12)} ${String(r.tables).padStart(4)} tables ${formatBytes(r.bytes).padStart(10)}  ${(r.durationMs / 1000).toFixed(1)}s${r.error ? `\n    ${r.error}` : ''}`);
          },
        });
        if (opts.json) ctx.output.json(versioned(run));
        else if (run.ok) ctx.output.out(p().green(`backup ${run.id}: ${run.databases.length} databases, ${formatBytes(run.bytes)} in ${(run.durationMs / 1000).toFixed(1)}s -> ${run.directory}`));
        else {
          ctx.output.out(p().red(`backup ${run.id} is incomplete (no manifest): missing ${run.missing.join(', ')}`));
          ctx.output.out(`fix what failed, then: shardship backup create --env ${plan.environment} --resume ${run.id}${opts.to ? ` --to ${opts.to}` : ''}`);
        }
        ctx.exitCode = run.ok ? 0 : 1;
      } finally {
        await s.close();
      }
    });

  flagsOf(backup.command('list'), false)
    .description('backups under the root, newest first; incomplete ones (no manifest) are marked')
    .action(async (opts: Flags) => {
      const s = await openSession(ctx, opts, { connect: false });
      const { listBackups } = await import('../../backup/manifest.js');
      const all = await listBackups(s.root);
      if (opts.json) {
        ctx.output.json(
          versioned({ backups: all.map((b) => ({
            id: b.id,
            complete: b.complete,
            ...(b.manifest
              ? { environment: b.manifest.environment, kind: b.manifest.kind, databases: b.manifest.databases.length, bytes: [...b.manifest.databases, ...b.manifest.nodes].reduce((n, d) => n + d.files.reduce((m, f) => m + f.bytes, 0), 0), startedAt: b.manifest.startedAt, finishedAt: b.manifest.finishedAt, topologyDigest: b.manifest.topologyDigest }
              : { error: b.error }),
          })) }),
        );
        return;
      }
      if (all.length === 0) ctx.output.out(`no backups in ${s.root}`);
      for (const b of all) {
        if (!b.manifest) ctx.output.out(`${b.id}  ${p().yellow('INCOMPLETE')}  (resume: shardship backup create --resume ${b.id})`);
        else ctx.output.out(`${b.id}  ${b.manifest.environment}  ${b.manifest.kind}  ${b.manifest.databases.length} databases  finished ${b.manifest.finishedAt}`);
      }
    });

  flagsOf(backup.command('verify'), false)
    .description('restore every database of a backup into scratch databases in parallel and compare each table with the manifest (exit 1 on any difference)')
    .argument('<id>', 'backup id (`backup list`)')
    .action(async (id: string, opts: Flags) => {
      const { readManifest } = await import('../../backup/manifest.js');
      const pre = await openSession(ctx, opts, { connect: false });
      const manifest = await readManifest(pre.root, id);
      const s = await openSession(ctx, opts, { connect: true, environment: manifest.environment });
      try {
        const [{ verifyBackup }, { Mydumper }] = await Promise.all([import('../../backup/verify.js'), import('../../backup-tools/mydumper.js')]);
        const run = await verifyBackup({
          manifest,
          root: s.root,
          connections: s.connections!,
          access: s.access,
          dumper: new Mydumper(),
          limits: s.limits,
          onProgress: (e) => {
            const r = e.report;
            line(`${`${r.target.node}/${r.target.database}`.padEnd(24)} ${r.ok ? p().green('ok') : p().red('FAILED')}  ${r.tables} tables  ${(r.durationMs / 1000).toFixed(1)}s`);
            for (const x of [...r.badFiles, ...r.mismatches, ...(r.error ? [r.error] : [])]) line(`    ${x}`);
          },
        });
        if (opts.json) ctx.output.json(versioned(run));
        else ctx.output.out(run.ok ? p().green(`backup ${id}: every table matches its manifest`) : p().red(`backup ${id} does not restore as recorded`));
        ctx.exitCode = run.ok ? 0 : 1;
      } finally {
        await s.close();
      }
    });

  flagsOf(backup.command('prune'), false)
    .description('delete backups beyond the retention (the newest complete one is always kept)')
    .requiredOption('--keep <age|count>', 'keep backups younger than this (7d, 12h) or the newest N')
    .option('--dry-run', 'print what would be deleted')
    .action(async (opts: Flags & { keep: string; dryRun?: boolean }) => {
      const s = await openSession(ctx, opts, { connect: false });
      const [{ listBackups, checkBackupId }, { parseKeep, planPrune }] = await Promise.all([import('../../backup/manifest.js'), import('../../backup/plan.js')]);
      const plan = planPrune(await listBackups(s.root), parseKeep(opts.keep), new Date());
      if (!opts.dryRun) for (const r of plan.remove) await rm(join(s.root, checkBackupId(r.id)), { recursive: true, force: true });
      if (opts.json) ctx.output.json(versioned({ ...plan, dryRun: Boolean(opts.dryRun) }));
      else {
        for (const r of plan.remove) ctx.output.out(`${opts.dryRun ? 'would delete' : 'deleted'} ${r.id} (${r.reason})`);
        ctx.output.out(`${plan.keep.length} kept, ${plan.remove.length} ${opts.dryRun ? 'to delete' : 'deleted'}`);
      }
    });

  const snapshots = backup.command('snapshots').description('pre-migration snapshots (migrate.snapshotBefore) kept inside the shards: list them, prune old ones');
  flagsOf(snapshots.command('list'))
    .description('every migration version with snapshots: databases, tables, rows, bytes, when taken (exit 1 if a database cannot be read)')
    .action(async (opts: Flags) => {
      const s = await openSession(ctx, opts, { connect: true });
      try {
        const [{ snapshotListing }, { formatBytes }] = await Promise.all([import('../../backup/snapshot-retention.js'), import('../../backup/create.js')]);
        const listing = await snapshotListing(s.topology!.databases, { connections: s.connections!, limits: s.limits });
        if (opts.json) ctx.output.json(versioned(listing));
        else {
          for (const v of listing.versions) ctx.output.out(`V${v.version.padEnd(8)} ${String(v.databases).padStart(4)} databases ${String(v.tables).padStart(5)} tables ${String(v.rows).padStart(10)} rows ${formatBytes(v.bytes).padStart(10)}  ${v.createdAt}`);
          if (listing.versions.length === 0) ctx.output.out('no snapshots');
          for (const u of listing.unreachable) ctx.output.err(p().red(`cannot read ${u}`));
        }
        ctx.exitCode = listing.unreachable.length ? 1 : 0;
      } finally {
        await s.close();
      }
    });
  flagsOf(snapshots.command('prune'))
    .description('drop the snapshots of older migration versions (the newest version is always kept), per database under its migration lock')
    .requiredOption('--keep <age|count>', 'keep snapshots taken within this age (7d, 12h) or of the newest N versions')
    .option('--dry-run', 'print what would be dropped')
    .action(async (opts: Flags & { keep: string; dryRun?: boolean }) => {
      const [{ parseKeep }] = await Promise.all([import('../../backup/plan.js')]);
      const keep = parseKeep(opts.keep);
      const s = await openSession(ctx, opts, { connect: true });
      try {
        const { pruneSnapshotsByRetention } = await import('../../backup/snapshot-retention.js');
        const run = await pruneSnapshotsByRetention(s.topology!.databases, keep, { connections: s.connections!, limits: s.limits, lockTimeoutSeconds: s.lockTimeoutSeconds, dryRun: Boolean(opts.dryRun), now: new Date() });
        if (opts.json) ctx.output.json(versioned(run));
        else {
          for (const r of run.remove) ctx.output.out(`${opts.dryRun ? 'would drop' : 'dropped'} snapshots of V${r.version} (${r.reason})`);
          for (const d of run.databases.filter((x) => x.error)) ctx.output.err(p().red(`${d.target.node}/${d.target.database}: ${d.outcome}: ${d.error}`));
          for (const u of run.unreachable) ctx.output.err(p().red(`cannot read ${u}`));
          ctx.output.out(`${run.keep.length} version(s) kept, ${run.remove.length} ${opts.dryRun ? 'to drop' : 'dropped'}`);
        }
        ctx.exitCode = run.ok ? 0 : 1;
      } finally {
        await s.close();
      }
    });

  flagsOf(backup.command('restore'))
    .description('restore a backup (or some databases/tables of it) in parallel; checks every file first and every table after (exit 1 on any failure)')
    .argument('<id>', 'backup id (`backup list`)')
    .option('--databases <db,...>', 'only these physical databases', list)
    .option('--tables <table,...>', 'only these logical tables (every physical copy) or physical tables', list)
    .option('--replace', 'overwrite tables that hold rows')
    .option('--accept-topology-change', 'restore although the topology changed since the backup')
    .action(async (id: string, opts: Flags & { databases?: string[]; tables?: string[]; replace?: boolean; acceptTopologyChange?: boolean }) => {
      const s = await openSession(ctx, opts, { connect: true });
      try {
        const [{ readManifest }, { restoreBackup }, { Mydumper }] = await Promise.all([import('../../backup/manifest.js'), import('../../backup/restore.js'), import('../../backup-tools/mydumper.js')]);
        const manifest = await readManifest(s.root, id);
        if (manifest.environment !== s.topology!.environment) ctx.output.err(p().yellow(`note: backup ${id} was taken of ${manifest.environment}; restoring into ${s.topology!.environment}`));
        const run = await restoreBackup({
          manifest,
          root: s.root,
          topology: s.topology!,
          connections: s.connections!,
          access: s.access,
          dumper: new Mydumper(),
          limits: s.limits,
          lockTimeoutSeconds: s.lockTimeoutSeconds,
          request: { ...(opts.databases ? { databases: opts.databases } : {}), ...(opts.tables ? { tables: opts.tables } : {}) },
          replace: Boolean(opts.replace),
          acceptTopologyChange: Boolean(opts.acceptTopologyChange),
          restoredBy: actorLine(currentActor(ctx.env)),
          onProgress: (e) => {
            const r = e.report;
            line(`${`${r.target.node}/${r.target.database}`.padEnd(24)} ${r.outcome === 'restored' ? p().green(r.outcome) : p().red(r.outcome)}  ${r.tables.length} tables  ${(r.durationMs / 1000).toFixed(1)}s${r.error ? `\n    ${r.error}` : ''}`);
          },
        });
        for (const d of run.topologyDiff) ctx.output.err(p().yellow(`topology changed: ${d}`));
        if (opts.json) ctx.output.json(versioned(run));
        else ctx.output.out(run.ok ? p().green(`restored ${run.databases.length} database(s) from ${id} in ${(run.durationMs / 1000).toFixed(1)}s`) : p().red(`restore of ${id} failed on ${run.databases.filter((d) => d.outcome !== 'restored').map((d) => d.target.database).join(', ')}`));
        ctx.exitCode = run.ok ? 0 : 1;
      } finally {
        await s.close();
      }
    });

};
