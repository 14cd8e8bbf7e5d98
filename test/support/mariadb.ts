// Real MariaDB shard nodes for tests, the demo and the benchmark: one independent mariadbd
// per node, own datadir and loopback port. `mariadb-install-db` runs once into a template
// datadir that every node copies (install-db is the slow part); the server flags trade
// durability for speed, which is fine for throwaway test data only.
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { ensureBinary, freePort, removeDir, startService, tempDir, type RunningService } from './service.js';

const run = promisify(execFile);

export const TEST_USER = 'shardship';

export interface ShardNode {
  name: string;
  port: number;
  /** mysql://shardship:<password>@127.0.0.1:<port> */
  dsn: string;
  /** Root over TCP without a password: for fixtures and hand-made drift only. */
  rootDsn: string;
  datadir: string;
  /** Stop the server: SIGTERM for a clean shutdown, SIGKILL to simulate a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Start it again on the same port and datadir (after `stop`). */
  start(): Promise<void>;
  readonly running: boolean;
}

export interface ShardNodes {
  nodes: ShardNode[];
  stopAll(): Promise<void>;
}

// Small memory and no fsync per commit: tests only. The doublewrite buffer stays on: tests
// kill -9 nodes mid-ALTER, and without it a page torn by the kill fails crash recovery
// ("Unable to apply log to corrupted page").
const SERVER_FLAGS = [
  '--no-defaults',
  '--bind-address=127.0.0.1',
  '--user=root',
  '--skip-log-bin',
  '--skip-name-resolve',
  '--innodb-buffer-pool-size=24M',
  '--innodb-log-file-size=16M',
  '--innodb-flush-log-at-trx-commit=2',
  '--sync-frm=0',
  '--performance-schema=OFF',
  '--max-connections=200',
  '--skip-innodb-adaptive-hash-index',
];

async function templateDatadir(): Promise<string> {
  ensureBinary('mariadb-install-db', ['mariadb-server']);
  ensureBinary('mariadbd', ['mariadb-server']);
  const { stdout } = await run('mariadbd', ['--version']);
  const version = /Ver (\S+)/.exec(stdout)?.[1] ?? 'unknown';
  const dir = join(tmpdir(), `shardship-mariadb-template-${version}`);
  if (existsSync(join(dir, 'mysql', 'user.frm')) || existsSync(join(dir, 'mysql', 'global_priv.frm'))) return dir;
  // Install into a private dir then rename: parallel test files never see a half-made template.
  const scratch = tempDir('mariadb-install');
  const data = join(scratch, 'data');
  await run('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--user=root'], {
    maxBuffer: 16 * 1024 * 1024,
  });
  try {
    renameSync(data, dir);
  } catch {
    // Another process won the race: use its template.
  }
  removeDir(scratch);
  return dir;
}

async function canConnect(port: number): Promise<boolean> {
  try {
    const c = await createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1000 });
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * Where node datadirs go: RAM (/dev/shm) when there is one, so that DDL fsyncs do not make the
 * tests slow; SHARDSHIP_MARIADB_DATA_ROOT or `dataRoot` override (the benchmark uses the disk).
 */
function defaultDataRoot(): string {
  if (process.env.SHARDSHIP_MARIADB_DATA_ROOT) return process.env.SHARDSHIP_MARIADB_DATA_ROOT;
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/** Start `n` shard nodes named n1..nN, each with a password-protected `shardship` user. */
export async function startShardNodes(n: number, opts: { password?: string; dataRoot?: string } = {}): Promise<ShardNodes> {
  const template = await templateDatadir();
  const root = mkdtempSync(join(opts.dataRoot ?? defaultDataRoot(), 'shardship-mariadb-'));
  const password = opts.password ?? `pw-${Math.random().toString(36).slice(2, 12)}`;
  const nodes: ShardNode[] = [];
  const services = new Map<string, RunningService>();

  const makeNode = async (i: number): Promise<ShardNode> => {
    const name = `n${i + 1}`;
    const datadir = join(root, name);
    mkdirSync(datadir, { recursive: true });
    cpSync(template, datadir, { recursive: true });
    const port = await freePort();
    const launch = async () => {
      const svc = await startService({
        name,
        command: 'mariadbd',
        args: [...SERVER_FLAGS.slice(0, 1), `--datadir=${datadir}`, `--port=${port}`, `--socket=${join(datadir, 'sock')}`, `--pid-file=${join(datadir, 'pid')}`, ...SERVER_FLAGS.slice(1)],
        logDir: root,
        ready: () => canConnect(port),
        timeoutMs: 60_000,
      });
      services.set(name, svc);
    };
    await launch();
    const admin = await createConnection({ host: '127.0.0.1', port, user: 'root' });
    await admin.query(`CREATE USER IF NOT EXISTS '${TEST_USER}'@'127.0.0.1' IDENTIFIED BY ?`, [password]);
    await admin.query(`GRANT ALL PRIVILEGES ON *.* TO '${TEST_USER}'@'127.0.0.1'`);
    await admin.end();
    const node: ShardNode = {
      name,
      port,
      datadir,
      dsn: `mysql://${TEST_USER}:${password}@127.0.0.1:${port}`,
      rootDsn: `mysql://root@127.0.0.1:${port}`,
      get running() {
        const svc = services.get(name);
        return Boolean(svc && svc.child.exitCode === null && svc.child.signalCode === null);
      },
      async stop(signal: NodeJS.Signals = 'SIGTERM') {
        await services.get(name)?.stop(signal);
      },
      async start() {
        if (node.running) return;
        await launch();
      },
    };
    return node;
  };

  // If the test process dies without stopAll (crash, SIGPIPE), take the servers with it.
  const killAll = () => {
    for (const svc of services.values()) if (svc.child.exitCode === null && svc.child.signalCode === null) svc.child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  try {
    // Sequential start: parallel InnoDB initialisation thrashes a 2-core machine.
    for (let i = 0; i < n; i++) nodes.push(await makeNode(i));
  } catch (e) {
    for (const s of services.values()) await s.stop('SIGKILL');
    removeDir(root);
    throw e;
  }
  return {
    nodes,
    async stopAll() {
      process.removeListener('exit', killAll);
      await Promise.all([...services.values()].map((s) => s.stop('SIGKILL')));
      removeDir(root);
    },
  };
}

/** Run statements as root on one node (fixtures, hand-made drift). */
export async function rootQuery(node: ShardNode, sql: string, params: unknown[] = [], database?: string): Promise<unknown> {
  const c = await createConnection({ host: '127.0.0.1', port: node.port, user: 'root', database, multipleStatements: true });
  try {
    const [rows] = await c.query(sql, params);
    return rows;
  } finally {
    await c.end();
  }
}
