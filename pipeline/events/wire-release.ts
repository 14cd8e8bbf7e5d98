// Wires the release core (Kubernetes + Prometheus) into the stage port: start a release of
// the built or promoted image for every app (or one), and the slash-command controls.
import {
  abortRelease,
  pauseRelease,
  promoteRelease,
  releaseStatus,
  resumeRelease,
  startRelease,
  type ReleaseReport,
} from '../release/index.js';
import { UsageError } from '../core/errors.js';
import { processOutput } from '../core/output.js';
import type { ReleaseStageReport, ReleaseStepStatus, RolloutSample } from '../report/types.js';
import { openReleaseSession } from '../session/release.js';
import type { PipelineStages, WireOptions } from './stages.js';

const STATE: Record<string, string> = { Completed: 'promoted', Aborted: 'aborted', Frozen: 'failed', Paused: 'paused', Progressing: 'progressing', Aborting: 'aborting', None: 'none' };

/** The release session of the pipeline; its notes go through Output to stderr, never to stdout (where --json goes). */
export function releaseSessionFor(opts: WireOptions) {
  const output = opts.output ?? processOutput();
  return openReleaseSession({ cwd: opts.repoDir, config: opts.config, env: opts.env, log: (line) => output.err(line) });
}

export function releaseStage(opts: WireOptions): Pick<PipelineStages, 'release' | 'control'> {
  const session = releaseSessionFor(opts);
  return {
    release: async ({ environment, image, digest, app }) => {
      if (!image) throw new UsageError('release needs an image: run the build first, or pass the image input');
      // Deploy by digest when there is one: the exact bytes that passed the previous stage.
      const ref = digest ? `${image.replace(/(:[^/@]+)?(@sha256:[0-9a-f]+)?$/, '')}@${digest}` : image;
      const out: ReleaseStageReport[] = [];
      for (const a of session.apps(app)) out.push(toReport(await startRelease({ ...session.options(a), image: ref }), environment));
      return out;
    },
    control: async ({ action, app }) => {
      const fn = { promote: promoteRelease, abort: abortRelease, pause: pauseRelease, resume: resumeRelease, status: releaseStatus }[action];
      const out: ReleaseStageReport[] = [];
      for (const a of session.apps(app)) out.push(toReport(await fn(session.options(a))));
      return out;
    },
  };
}

/** The release core's report in the shape the summaries draw. */
export function toReport(r: ReleaseReport, environment?: string): ReleaseStageReport {
  const stepStatus = (i: number): ReleaseStepStatus =>
    i < r.stepIndex ? 'done' : i === r.stepIndex ? (r.phase === 'Aborted' || r.phase === 'Frozen' ? 'failed' : r.phase === 'Completed' ? 'done' : 'running') : 'pending';
  const samples: RolloutSample[] = r.analysis.flatMap((a) =>
    a.measurements
      .filter((m) => typeof m.value === 'number')
      .map((m) => ({ t: Date.parse(m.at), weight: r.confirmedWeight ?? r.desiredWeight, errorRate: m.value! })),
  );
  return {
    app: r.app,
    ...(environment ? { environment } : {}),
    ...(r.strategy ? { strategy: r.strategy } : {}),
    state: STATE[r.phase] ?? r.phase,
    ...(r.image ? { image: r.image } : {}),
    steps: Array.from({ length: r.steps }, (_, i) => ({
      name: i === r.stepIndex && r.currentStep ? r.currentStep : `step ${i + 1}`,
      ...(i === r.stepIndex ? { weight: r.desiredWeight } : {}),
      status: stepStatus(i),
      ...(i === r.stepIndex && r.message ? { note: r.message } : {}),
    })),
    samples,
  };
}
