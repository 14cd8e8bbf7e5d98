// The stage port the event pipeline drives. The actions and `shardship run` wire each entry to
// the real stage core (gate/build/migrate/release); an entry left out is reported as not run.
import type { ShardshipConfig } from '../config/schema.js';
import type { Output } from '../core/output.js';
import type { YamlSource } from '../config/yaml-source.js';
import type { BuildReport, GateReport, MigrationStageReport, ReleaseStageReport } from '../report/types.js';
import type { SlashAction } from './slash-command.js';

export interface PipelineStages {
  gate?(req: { base?: string; head: string; extraMessages: { source: string; message: string }[]; branchFrom?: string }): Promise<GateReport>;
  build?(req: { ref: string; sha: string; push: boolean }): Promise<BuildReport>;
  migrate?(req: { environment: string; apply: boolean }): Promise<MigrationStageReport>;
  release?(req: { environment: string; sha: string; image?: string; digest?: string; app?: string }): Promise<ReleaseStageReport[]>;
  /** Slash commands: promote | abort | status | pause | resume, for one app or all. */
  control?(req: { action: SlashAction; app?: string }): Promise<ReleaseStageReport[]>;
}

/** Release states (as events/wire-release.ts names the phases) that mean the rollout did not succeed. */
export const FAILED_RELEASE_STATES = new Set(['aborted', 'failed']);
export const PAUSED_RELEASE_STATES = new Set(['paused']);

/** What the wiring of a real stage needs. */
export interface WireOptions {
  repoDir: string;
  config: ShardshipConfig;
  /** The parsed shardship.yaml, so that config errors name its file:line (absent when defaulted). */
  source?: YamlSource;
  env: NodeJS.ProcessEnv;
  /** The action's inputs (empty outside Actions). */
  input(name: string): string;
  /** Where a stage's notes go (default: this process's): to stderr, so that they never mix into a `--json` document on stdout. */
  output?: Output;
}
