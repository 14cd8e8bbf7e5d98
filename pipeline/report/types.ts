// What the reports show, as plain data. Stage results are mapped into these shapes by the
// pipeline; the renderers (markdown, SVG, HTML) are pure functions of them.
import type { Finding } from '../gate/types.js';
import type { MigrationPlan } from '../migrate/plan-types.js';

export interface GateReport {
  /** e.g. `abc123..def456` or `PR #12`. */
  range: string;
  findings: Finding[];
  passed: boolean;
}

export interface BuildReport {
  image: string;
  digest?: string;
  tags: string[];
  pushed: boolean;
}

export type ShardStepStatus = 'planned' | 'applied' | 'skipped' | 'failed' | 'pending';

export interface ShardMigrationResult {
  node: string;
  database: string;
  version: string;
  status: ShardStepStatus;
  error?: string;
}

export interface MigrationStageReport {
  environment: string;
  plan: MigrationPlan;
  /** Absent for a plan only (pull requests). */
  results?: ShardMigrationResult[];
}

export type ReleaseStepStatus = 'done' | 'running' | 'pending' | 'failed' | 'skipped';

export interface RolloutSample {
  /** Milliseconds since the epoch. */
  t: number;
  /** Canary traffic weight, 0..100. */
  weight: number;
  /** Canary error rate, 0..1. */
  errorRate: number;
}

export interface ReleaseStageReport {
  app: string;
  environment?: string;
  strategy?: string;
  /** e.g. progressing, paused, promoted, aborted, failed (events/wire-release.ts names the phases). */
  state: string;
  image?: string;
  steps: { name: string; weight?: number; status: ReleaseStepStatus; note?: string }[];
  samples: RolloutSample[];
  /** The analysis threshold, drawn on the chart. */
  maxErrorRate?: number;
}

export interface PipelineReport {
  title: string;
  gate?: GateReport;
  build?: BuildReport;
  migrations?: MigrationStageReport[];
  releases?: ReleaseStageReport[];
  /** Further tables, e.g. what a pipeline run posted to GitHub (the demo's pipeline step). */
  sections?: ReportSection[];
  notes?: string[];
}

export interface ReportSection {
  title: string;
  header: string[];
  rows: (string | number)[][];
}
