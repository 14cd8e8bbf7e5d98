// Plain data shared by the planner, the engine and the reports. Everything here is JSON:
// the release state is stored in a ConfigMap in the cluster, so that any runner can resume.
import type { AnalysisTemplate, Cohort } from '../config/release.js';

export type StrategyName = 'canary' | 'blueGreen' | 'gray';
export type RouterName = 'istio' | 'gatewayApi' | 'service';

/**
 * Progressing: the engine is moving it forward (including timed pauses and analysis).
 * Paused: waiting for a human (`promote`, `resume`). Aborting: rolling back.
 * Completed / Aborted: finished. Frozen: failed after an irreversible step; nothing is reverted.
 */
export type Phase = 'Progressing' | 'Paused' | 'Aborting' | 'Completed' | 'Aborted' | 'Frozen';

/** One step of a compiled release plan. Strategies compile to these at start. */
export type Step = (
  | { kind: 'initial' }
  | { kind: 'setWeight'; weight: number }
  | { kind: 'pause'; durationMs?: number }
  | { kind: 'analysis'; templates: string[] }
  | { kind: 'setCanaryScale'; replicas?: number; weight?: number; matchTrafficWeight?: boolean }
  | { kind: 'setCohorts' }
  | { kind: 'preview' }
  | { kind: 'switch' }
  | { kind: 'promote' }
  | { kind: 'scaleDownOld'; delayMs: number }
) & { irreversible?: boolean };

/** Where traffic goes: per-track weights (summing to 100) and the cohorts routed to the new track. */
export interface TrafficSplit {
  weights: Record<string, number>;
  /** Track that receives the cohorts, when there are cohorts. */
  cohortTrack?: string;
  cohorts: Cohort[];
}

export interface Actor {
  who: string;
  at: string;
  /** GITHUB_RUN_ID, when run by a workflow. */
  runId?: string;
  workflow?: string;
}

export interface HistoryEntry extends Actor {
  revision: number;
  action: 'start' | 'promote' | 'abort' | 'pause' | 'resume' | 'retry' | 'complete' | 'aborted' | 'freeze' | 'step';
  image: string;
  detail: string;
}

export type MeasurementOutcome = 'Successful' | 'Failed' | 'Inconclusive';

export interface Measurement {
  at: string;
  outcome: MeasurementOutcome;
  value?: number;
  message?: string;
}

export interface AnalysisRecord {
  stepIndex: number;
  attempt: number;
  template: string;
  outcome: MeasurementOutcome;
  measurements: Measurement[];
  message: string;
}

export interface AnalysisProgress {
  stepIndex: number;
  attempt: number;
  template: string;
  measurements: Measurement[];
}

export interface ReleaseState {
  version: 1;
  app: string;
  namespace: string;
  revision: number;
  strategy: StrategyName;
  router: RouterName;
  /** The image being released. */
  image: string;
  /** The image stable ran before this release (what an abort goes back to). */
  previousImage?: string;
  podAnnotations: Record<string, string>;
  /** Gray cohorts, fixed at start. */
  plannedCohorts: Cohort[];
  /** Track names: 'stable'/'canary' or the blue-green slots. */
  stableTrack: string;
  canaryTrack: string;
  /** Full replica count (after a service-router scale-up). */
  replicas: number;
  steps: Step[];
  stepIndex: number;
  /** When the current step began (ISO): pause durations and readiness deadlines count from here. */
  stepStartedAt: string;
  phase: Phase;
  message: string;
  desired: TrafficSplit;
  /** Last split read back from the routing object (or, for the service router, from ready replicas). */
  confirmed?: TrafficSplit;
  /** Set by setCanaryScale; otherwise the canary is sized to its traffic weight. */
  canaryScale?: { replicas?: number; weight?: number; matchTrafficWeight?: boolean };
  /** Attempt number of analysis on the current step (retry bumps it). */
  analysisAttempt: number;
  analysis: AnalysisRecord[];
  /**
   * Measurements taken so far by the analysis under way (saved after each one), so that a
   * runner killed mid-analysis is continued by the next run instead of starting over.
   */
  analysisProgress?: AnalysisProgress;
  /** An irreversible step has completed: failures now freeze instead of reverting. */
  irreversibleCommitted: boolean;
  /** `promote --full`: skip remaining pauses, analysis and weights. */
  skipToEnd?: boolean;
  userPaused?: Actor;
  abort?: { reason: string; by: Actor; stableScaledUp?: boolean };
  startedBy: Actor;
  history: HistoryEntry[];
}

/** What the engine saw in the cluster before planning. */
export interface DeploymentObservation {
  specReplicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  /** status.observedGeneration has caught up with metadata.generation (the status describes the current spec). */
  observedCurrent: boolean;
  image: string | undefined;
  annotations: Record<string, string>;
  /** Pods of this Deployment: total restarts and whether any is in CrashLoopBackOff. */
  restarts: number;
  crashLooping: boolean;
}

export interface Observations {
  now: number;
  deployments: Record<string, DeploymentObservation | undefined>;
  /** Split read from the routing object; undefined when the router has none (service canary). */
  routing: TrafficSplit | undefined;
  /** Track the preview Service selects (blue-green). */
  previewTrack?: string;
}

/** One thing to do now, as plain data. The engine applies them in order. */
export type ReleaseAction =
  | { type: 'scale'; track: string; replicas: number; image?: string; annotations?: Record<string, string>; reason: string }
  | { type: 'route'; split: TrafficSplit; reason: string }
  | { type: 'setPreview'; track: string }
  | { type: 'analyze'; stepIndex: number; templates: string[] }
  | { type: 'wait'; reason: string; untilMs?: number }
  | { type: 'advance'; to: number; message: string; /** Traffic that follows replicas (service router): the split this step reached. */ reached?: TrafficSplit }
  | { type: 'setCanaryScale'; scale: NonNullable<ReleaseState['canaryScale']> }
  | { type: 'note'; message: string }
  | { type: 'markStableScaledUp' }
  | { type: 'pause'; reason: string }
  | { type: 'complete'; message: string }
  | { type: 'abort'; reason: string }
  | { type: 'aborted'; message: string }
  | { type: 'freeze'; reason: string };

/** The resolved per-app spec the planner needs (config + strategy + names). */
export interface ReleaseSpec {
  app: string;
  namespace: string;
  replicas: number;
  port: number;
  strategy: StrategyName;
  router: RouterName;
  routerConfig: RouterSettings;
  progressDeadlineMs: number;
  analysis: Record<string, AnalysisTemplate>;
  podAnnotations: Record<string, string>;
}

export type RouterSettings =
  | { kind: 'istio'; virtualService: string; route: string; mode: 'owned' | 'patch'; hosts: string[]; gateways?: string[] }
  | { kind: 'gatewayApi'; httpRoute: string; parentRefs: { name: string; namespace?: string; sectionName?: string }[]; hostnames?: string[] }
  | { kind: 'service'; scaleUp: boolean };

/** What every release command returns: plain data for --json and for the text report. */
export interface ReleaseReport {
  app: string;
  namespace: string;
  exists: boolean;
  revision: number;
  strategy?: StrategyName;
  router?: RouterName;
  phase: Phase | 'None';
  image?: string;
  previousImage?: string;
  stepIndex: number;
  steps: number;
  currentStep?: string;
  desiredWeight: number;
  confirmedWeight?: number;
  cohorts: number;
  message: string;
  startedBy?: Actor;
  analysis: AnalysisRecord[];
  /** The analysis under way, when a run stopped in the middle of it (the next run continues it). */
  analysisInProgress?: { template: string; stepIndex: number; taken: number; count: number };
  history?: HistoryEntry[];
  notes: string[];
  /** API calls this command made (from the Cluster adapter). */
  api?: { reads: number; writes: number; routingWrites: number; apiMs: number };
  timedOut?: boolean;
  exitCode: number;
}
