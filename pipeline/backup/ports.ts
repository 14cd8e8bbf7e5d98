// The ports the backup stage drives. Adapters in pipeline/backup-tools/ implement them over
// mydumper/myloader (logical) and mariadb-backup (physical); the stage never builds a dump itself.

/** How a tool reaches one node. The password goes to the tool in a 0600 defaults file, never argv. */
export interface NodeAccess {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface DumpRequest {
  node: string;
  access: NodeAccess;
  database: string;
  /** Physical tables to dump (never empty). */
  tables: string[];
  /** Directory the dump's files go to; created by the caller, empty. */
  outDir: string;
  threads: number;
}

export interface LoadRequest {
  node: string;
  access: NodeAccess;
  /** The database the dump was taken from. */
  sourceDatabase: string;
  /** The database to load into (created when missing). */
  targetDatabase: string;
  /** A directory holding only the dump files to load. */
  dir: string;
  threads: number;
}

/** A logical dump tool: one directory of files per database, loadable into any database name. */
export interface LogicalDumper {
  /** e.g. `mydumper 0.10.0`. */
  versions(): Promise<Record<string, string>>;
  dump(req: DumpRequest): Promise<void>;
  /** Loads the dump, dropping each table it holds first. */
  load(req: LoadRequest): Promise<void>;
}

export interface PhysicalBackupRequest {
  node: string;
  access: NodeAccess;
  /** Empty directory the node's files go to. */
  outDir: string;
  threads: number;
}

/** A physical backup tool: a whole node's data files, prepared so that they can be copied back. */
export interface PhysicalBackupTool {
  versions(): Promise<Record<string, string>>;
  /** Backs the node up and prepares it; returns the binlog/GTID position the tool recorded. */
  backupNode(req: PhysicalBackupRequest): Promise<{ position: string | null }>;
}
