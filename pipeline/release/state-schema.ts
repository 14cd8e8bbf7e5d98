// The stored form of a release (the `state.json` key of the ConfigMap state.ts writes): one
// zod schema, used by the writer and the reader. Any runner, of any shardship version, may
// read what another wrote, so the reader checks `version` first and then the fields.
//
// Compatibility: adding an optional field is compatible (an older reader drops it when it
// rewrites the state, so it must be one the release can do without). Anything else (a new
// required field, a changed meaning) bumps STATE_VERSION, and older shardships then refuse
// the state with "upgrade shardship" instead of misreading it.
import { z } from 'zod';
import { Cohort } from '../config/release.js';
import { UsageError } from '../core/errors.js';
import type { ReleaseState } from './types.js';

export const STATE_VERSION = 1;

const TrafficSplitSchema = z.object({
  weights: z.record(z.string(), z.number()),
  cohortTrack: z.string().optional(),
  cohorts: z.array(Cohort),
});

const irreversible = { irreversible: z.boolean().optional() };
const StepSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('initial'), ...irreversible }),
  z.object({ kind: z.literal('setWeight'), weight: z.number(), ...irreversible }),
  z.object({ kind: z.literal('pause'), durationMs: z.number().optional(), ...irreversible }),
  z.object({ kind: z.literal('analysis'), templates: z.array(z.string()), ...irreversible }),
  z.object({ kind: z.literal('setCanaryScale'), replicas: z.number().optional(), weight: z.number().optional(), matchTrafficWeight: z.boolean().optional(), ...irreversible }),
  z.object({ kind: z.literal('setCohorts'), ...irreversible }),
  z.object({ kind: z.literal('preview'), ...irreversible }),
  z.object({ kind: z.literal('switch'), ...irreversible }),
  z.object({ kind: z.literal('promote'), ...irreversible }),
  z.object({ kind: z.literal('scaleDownOld'), delayMs: z.number(), ...irreversible }),
]);

const actorFields = { who: z.string(), at: z.string(), runId: z.string().optional(), workflow: z.string().optional() };
const ActorSchema = z.object(actorFields);

const HistoryEntrySchema = z.object({
  ...actorFields,
  revision: z.number(),
  action: z.enum(['start', 'promote', 'abort', 'pause', 'resume', 'retry', 'complete', 'aborted', 'freeze', 'step']),
  image: z.string(),
  detail: z.string(),
});

const MeasurementOutcomeSchema = z.enum(['Successful', 'Failed', 'Inconclusive']);
const MeasurementSchema = z.object({
  at: z.string(),
  outcome: MeasurementOutcomeSchema,
  // A query can answer NaN (0/0), which JSON stores as null: read back as "no value".
  value: z.union([z.number(), z.null().transform(() => undefined)]).optional(),
  message: z.string().optional(),
});

const AnalysisRecordSchema = z.object({
  stepIndex: z.number(),
  attempt: z.number(),
  template: z.string(),
  outcome: MeasurementOutcomeSchema,
  measurements: z.array(MeasurementSchema),
  message: z.string(),
});

export const ReleaseStateSchema = z.object({
  version: z.literal(STATE_VERSION),
  app: z.string(),
  namespace: z.string(),
  revision: z.number(),
  strategy: z.enum(['canary', 'blueGreen', 'gray']),
  router: z.enum(['istio', 'gatewayApi', 'service']),
  image: z.string(),
  previousImage: z.string().optional(),
  podAnnotations: z.record(z.string(), z.string()),
  plannedCohorts: z.array(Cohort),
  stableTrack: z.string(),
  canaryTrack: z.string(),
  replicas: z.number(),
  steps: z.array(StepSchema),
  stepIndex: z.number(),
  stepStartedAt: z.string(),
  phase: z.enum(['Progressing', 'Paused', 'Aborting', 'Completed', 'Aborted', 'Frozen']),
  message: z.string(),
  desired: TrafficSplitSchema,
  confirmed: TrafficSplitSchema.optional(),
  canaryScale: z.object({ replicas: z.number().optional(), weight: z.number().optional(), matchTrafficWeight: z.boolean().optional() }).optional(),
  analysisAttempt: z.number(),
  analysis: z.array(AnalysisRecordSchema),
  analysisProgress: z.object({ stepIndex: z.number(), attempt: z.number(), template: z.string(), measurements: z.array(MeasurementSchema) }).optional(),
  irreversibleCommitted: z.boolean(),
  skipToEnd: z.boolean().optional(),
  userPaused: ActorSchema.optional(),
  abort: z.object({ reason: z.string(), by: ActorSchema, stableScaledUp: z.boolean().optional() }).optional(),
  startedBy: ActorSchema,
  history: z.array(HistoryEntrySchema),
});

// The schema and the ReleaseState the planner and engine use are the same type: a field added
// to one and not the other fails to compile here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameType: Same<z.output<typeof ReleaseStateSchema>, ReleaseState> = true;
void sameType;

/** The JSON text to store; it goes through the reader's schema first, so that no runner stores what a reader would refuse. */
export function storedStateText(state: ReleaseState): string {
  const text = JSON.stringify(state);
  const parsed = ReleaseStateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`internal error: refusing to store an invalid release state for ${state.namespace}/${state.app}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return text;
}

/** The ConfigMap the state was read from, for messages. */
export interface StateLocation {
  namespace: string;
  name: string;
  key: string;
}

/** The stored state cannot be used as it is: a newer shardship wrote it, or it is corrupt. */
export class StoredStateError extends UsageError {}

/**
 * Parse the stored text: its version first (a newer shardship's state is refused, not
 * misread), then every field. An unusable state is an error naming the ConfigMap and the fix.
 */
export function parseStoredState(text: string, at: StateLocation): ReleaseState {
  const where = `release state ConfigMap ${at.namespace}/${at.name} (key ${at.key})`;
  const corrupt = (problem: string) =>
    new StoredStateError(`${where} ${problem}`, {
      hint: `inspect it with \`kubectl get configmap -n ${at.namespace} ${at.name} -o yaml\`; restore it from a backup, or delete that ConfigMap to forget the release under way (its Deployments and routes stay as they are)`,
    });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw corrupt(`is not JSON: ${(e as Error).message}`);
  }
  const version = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as { version?: unknown }).version : undefined;
  if (version === undefined) throw corrupt('has no state version');
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw corrupt(`has an unknown state version ${JSON.stringify(version)}`);
  if (version > STATE_VERSION) {
    throw new StoredStateError(`${where} has state version ${version}, written by a newer shardship; this shardship reads state version ${STATE_VERSION}`, {
      hint: 'upgrade shardship to at least the version that wrote it (every runner that drives this release must be that new)',
    });
  }
  const parsed = ReleaseStateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw corrupt(`is corrupt (state version ${version}): ${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`);
  }
  return parsed.data;
}
