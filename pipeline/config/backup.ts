import { z } from 'zod';
import { Duration } from './common.js';

export const BackupConfig = z
  .strictObject({
    directory: z.string().default('backups').describe('Where backups go (`<directory>/<backup-id>/<node>/<database>/...`); relative to the config file.'),
    concurrency: z.number().int().positive().default(4).describe('Databases dumped or loaded at once, over all nodes.'),
    nodeConcurrency: z.number().int().positive().default(2).describe('Databases dumped or loaded at once on one node (a node may lower it with nodes.<n>.concurrency).'),
    threads: z.number().int().positive().default(2).describe('mydumper/myloader threads per database.'),
    lockTimeout: Duration.default('60s').describe('How long a backup or restore waits for a running `migrate apply` to release a database.'),
  })
  .describe('Shard backups (mydumper/myloader, mariadb-backup) and restores.');
export type BackupConfig = z.infer<typeof BackupConfig>;
