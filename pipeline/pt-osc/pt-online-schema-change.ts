// Percona Toolkit's pt-online-schema-change behind the migrate stage's OnlineSchemaChanger port:
// the only place that runs it. One run per physical table; the password goes through a 0600
// defaults file (never argv, where `ps` shows it); the child dies with us (setpriv --pdeathsig),
// so a killed runner never leaves a copy going that the next run's cleanup would race.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { durationMs } from '../config/common.js';
import { PtOscConfig, type MigrateConfig } from '../config/migrate.js';
import { ConfigError, ServiceError } from '../core/errors.js';
import type { CopyAlterRequest, OnlineSchemaChanger } from '../migrate/online-schema-change.js';
import type { ShardConnection } from '../core/shards.js';

export const PT_OSC = 'pt-online-schema-change';

export interface PtOscEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

const seconds = (d: Parameters<typeof durationMs>[0]): string => String(durationMs(d) / 1000);

/** A DSN part must not hold the separators of pt's `h=..,P=..` syntax. */
function dsnPart(what: string, value: string): string {
  if (/[,=\s]/.test(value)) throw new ServiceError(PT_OSC, `the ${what} ${JSON.stringify(value)} contains a comma, '=' or a space, which pt-online-schema-change's DSN syntax cannot carry`);
  return value;
}

/** The command line for one table (without the binary). Pure. */
export function ptOscArgs(cfg: PtOscConfig, req: { endpoint: Omit<PtOscEndpoint, 'password'>; database: string; table: string; alter: string; lockWaitSeconds: number; defaultsFile: string }): string[] {
  const args = [
    // Must come first: pt tools read it before any other option.
    `--defaults-file=${req.defaultsFile}`,
    '--alter',
    req.alter,
    '--execute',
    '--progress',
    'time,2',
    '--chunk-time',
    seconds(cfg.chunkTime),
    '--max-load',
    cfg.maxLoad,
    '--critical-load',
    cfg.criticalLoad,
    '--recursion-method',
    cfg.recursionMethod,
    '--set-vars',
    `lock_wait_timeout=${req.lockWaitSeconds}`,
  ];
  if (cfg.chunkSize !== undefined) args.push('--chunk-size', String(cfg.chunkSize));
  if (cfg.sleep !== undefined) args.push('--sleep', seconds(cfg.sleep));
  if (cfg.maxLag !== undefined) args.push('--max-lag', seconds(cfg.maxLag));
  const e = req.endpoint;
  args.push(`h=${dsnPart('host', e.host)},P=${e.port},u=${dsnPart('user', e.user)},D=${dsnPart('database', req.database)},t=${dsnPart('table', req.table)}`);
  return args;
}

/** `Copying `db`.`t`:  45% 00:10 remain` -> 45, "00:10 remain". Pure. */
export function parseProgress(line: string): { percent: number; remaining?: string } | undefined {
  const m = /^Copying\s+\S+:\s+(\d+)%\s*(.*)$/.exec(line.trim());
  if (!m) return undefined;
  const remaining = m[2]!.trim();
  return { percent: Number(m[1]), ...(remaining ? { remaining } : {}) };
}

/**
 * What an interrupted pt-osc leaves on `table`: its triggers (pt_osc_<db>_<table>_ins|upd|del,
 * cut at 60 characters) and its shadow tables (`_<table>_new` while copying, `_<table>_old` between
 * the swap and its drop; more leading underscores when the name was taken). Triggers first: while
 * they exist every write to the table also writes the shadow, so the shadow must outlive them. Pure.
 */
export function leftovers(table: string, triggers: string[], tables: string[]): { triggers: string[]; tables: string[] } {
  const shadow = new RegExp(`^_+${table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_(new|old)$`);
  return { triggers: triggers.filter((t) => t.startsWith('pt_osc_')), tables: tables.filter((t) => shadow.test(t)) };
}

const quote = (name: string) => '`' + name.replace(/`/g, '``') + '`';

function optionValue(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export class PtOnlineSchemaChange implements OnlineSchemaChanger {
  readonly algorithm = 'PT_OSC';
  private readonly launcher: string[];

  constructor(
    private readonly endpoints: Record<string, PtOscEndpoint>,
    private readonly config: PtOscConfig,
    opts: { binary?: string } = {},
  ) {
    const binary = opts.binary ?? PT_OSC;
    const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw new ConfigError([
        {
          path: 'migrate.onlineSchemaChange',
          message: `pt-osc is configured but ${binary} does not run (${probe.error?.message ?? probe.stderr.trim()})`,
          hint: 'install Percona Toolkit (Debian: apt-get install percona-toolkit), or set migrate.onlineSchemaChange: none',
        },
      ]);
    }
    // PR_SET_PDEATHSIG: the kernel kills the copy when this process dies, however it dies.
    const setpriv = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true']);
    this.launcher = setpriv.status === 0 ? ['setpriv', '--pdeathsig', 'KILL', '--', binary] : [binary];
  }

  async cleanup(conn: ShardConnection, table: string): Promise<string[]> {
    const db = conn.target.database;
    const triggers = await conn.query<{ n: string }>('SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND EVENT_OBJECT_TABLE IN (?, ?)', [db, table, `_${table}_old`]);
    const tables = await conn.query<{ n: string }>("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE '\\_%'", [db]);
    const found = leftovers(
      table,
      triggers.map((r) => r.n),
      tables.map((r) => r.n),
    );
    for (const t of found.triggers) await conn.execute(`DROP TRIGGER IF EXISTS ${quote(t)}`);
    for (const t of found.tables) await conn.execute(`DROP TABLE IF EXISTS ${quote(t)}`);
    return [...found.triggers.map((t) => `trigger ${t}`), ...found.tables.map((t) => `table ${t}`)];
  }

  async alter(req: CopyAlterRequest): Promise<void> {
    const endpoint = this.endpoints[req.target.node];
    if (!endpoint) throw new ServiceError(PT_OSC, `node ${req.target.node} has no endpoint`);
    const dir = mkdtempSync(join(tmpdir(), 'shardship-ptosc-'));
    const defaultsFile = join(dir, 'client.cnf');
    try {
      writeFileSync(defaultsFile, `[client]\npassword=${optionValue(endpoint.password)}\n`, { mode: 0o600 });
      const args = ptOscArgs(this.config, { endpoint, database: req.target.database, table: req.table, alter: req.alter, lockWaitSeconds: req.lockWaitSeconds, defaultsFile });
      await this.run(args, req);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private run(args: string[], req: CopyAlterRequest): Promise<void> {
    const [command, ...pre] = this.launcher;
    return new Promise((resolve, reject) => {
      const child = spawn(command!, [...pre, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      const tail: string[] = [];
      // Its last lines, for the error: pt-osc says why before it cleans up.
      const onLine = (line: string) => {
        const p = parseProgress(line);
        if (p) req.onProgress({ target: req.target, table: req.table, ...p });
        else if (line.trim()) {
          tail.push(line.trim());
          if (tail.length > 24) tail.shift();
        }
      };
      createInterface({ input: child.stdout }).on('line', onLine);
      createInterface({ input: child.stderr }).on('line', onLine);
      child.on('error', (e) => reject(new ServiceError(PT_OSC, `cannot start: ${e.message}`, { cause: e })));
      child.on('close', (code, signal) => {
        if (code === 0) return resolve();
        // pt-osc's own last words say why (its errors end with "at <script> line N."); keep the gist.
        // Timestamped lines are its steps (and its own cleanup), the rest its findings.
        const why = tail.filter((l) => !/^(Operation, tries|\w+, \d+, [\d.]+$|No slaves found|Not checking slave lag|\d{4}-\d\d-\d\dT[\d:]+ )/.test(l)).slice(-3).join(' | ');
        reject(new ServiceError(PT_OSC, `${req.target.database}.${req.table}: exited ${signal ?? code}: ${why || 'no output'}`, { hint: 'pt-online-schema-change cleans up after itself on errors; a rerun of apply drops anything an interrupted copy left and starts the table again' }));
      });
    });
  }
}

/**
 * The changer `migrate.onlineSchemaChange` asks for, built from the environment's node DSNs
 * (the same env vars the shard connector reads), or undefined when none is configured.
 */
export async function onlineSchemaChangerFor(
  config: Pick<MigrateConfig, 'onlineSchemaChange' | 'ptOsc'>,
  topology: { environment: string; nodes: { name: string; dsnEnv: string }[] },
  env: NodeJS.ProcessEnv,
): Promise<OnlineSchemaChanger | undefined> {
  if (config.onlineSchemaChange !== 'pt-osc') return undefined;
  const { parseDsn } = await import('../mysql/pool.js');
  const endpoints: Record<string, PtOscEndpoint> = {};
  for (const n of topology.nodes) {
    const dsn = env[n.dsnEnv];
    if (dsn) endpoints[n.name] = parseDsn(dsn, { node: n.name, dsnEnv: n.dsnEnv, path: `migrate.environments.${topology.environment}.nodes.${n.name}.dsnEnv` });
  }
  return new PtOnlineSchemaChange(endpoints, config.ptOsc ?? PtOscConfig.parse({}));
}
