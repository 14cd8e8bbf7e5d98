// mariadb-backup behind the PhysicalBackupTool port: a whole node's InnoDB files copied while
// it serves (BACKUP STAGE locks), then prepared so that `mariadb-backup --copy-back` can use them.
// It reads the datadir itself, so it runs on the node's host.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PhysicalBackupRequest, PhysicalBackupTool } from '../backup/ports.js';
import { runTool } from './run-tool.js';

export class MariadbBackup implements PhysicalBackupTool {
  async versions(): Promise<Record<string, string>> {
    const v = await runTool('mariadb-backup', ['--version'], { what: 'version', node: 'local' });
    return { 'mariadb-backup': `${v.stdout}${v.stderr}`.split('\n').find((l) => l.trim())?.trim() ?? '' };
  }

  async backupNode(req: PhysicalBackupRequest): Promise<{ position: string | null }> {
    await runTool('mariadb-backup', ['--backup', `--target-dir=${req.outDir}`, `--parallel=${req.threads}`], { access: req.access, groups: ['client', 'mariadb-backup', 'mariabackup'], what: 'backup', node: req.node });
    await runTool('mariadb-backup', ['--prepare', `--target-dir=${req.outDir}`], { what: 'prepare', node: req.node });
    const info = await readFile(join(req.outDir, 'mariadb_backup_binlog_info'), 'utf8').catch(() => readFile(join(req.outDir, 'xtrabackup_binlog_info'), 'utf8').catch(() => ''));
    return { position: info.trim() || null };
  }
}
