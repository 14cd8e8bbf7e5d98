// Following releases between CI runs: `release watch` drives every release under way, pass
// after pass; `release status --watch` looks at one until it pauses or finishes.
import { UsageError } from '../core/errors.js';
import { continueRelease, releaseStatus, type ReleaseOptions } from './index.js';
import type { ReleaseReport } from './types.js';

export interface WatchReleasesOptions {
  apps: string[];
  /** Time between passes. */
  intervalMs: number;
  /** One pass, then return. */
  once?: boolean;
  /** Stop after the pass under way (SIGTERM, SIGINT). */
  signal?: AbortSignal;
  /** Every app was asked for (none named): an app with no release yet is passed over quietly. */
  skipMissing?: boolean;
  onReport(r: ReleaseReport): void;
  onError(app: string, e: Error): void;
}

/** Drive every release under way, pass after pass; returns the last pass's exit code (1 if an app failed). */
export async function watchReleases(options: (app: string) => ReleaseOptions, w: WatchReleasesOptions): Promise<number> {
  for (;;) {
    let worst = 0;
    for (const app of w.apps) {
      // One app's trouble (an API error, a missing release) must not stop the others being driven.
      try {
        w.onReport(await continueRelease(options(app)));
      } catch (e) {
        if (e instanceof UsageError && w.skipMissing) continue; // no release of this app yet
        w.onError(app, e as Error);
        worst = 1;
      }
    }
    if (w.once || w.signal?.aborted) return worst;
    await new Promise((res) => setTimeout(res, w.intervalMs));
    if (w.signal?.aborted) return worst;
  }
}

export interface WatchStatusOptions {
  until: 'paused' | 'healthy';
  timeoutMs: number;
  pollMs: number;
  /** Each look that is not the end yet. */
  onWait?(r: ReleaseReport): void;
}

/** Look at a release until it pauses (`paused`) or completes (`healthy`), or aborts; exit 4 after the timeout. */
export async function watchReleaseStatus(opts: ReleaseOptions, w: WatchStatusOptions): Promise<ReleaseReport> {
  const deadline = Date.now() + w.timeoutMs;
  for (;;) {
    const r = await releaseStatus(opts);
    const done = r.phase === 'Aborted' || r.phase === 'Frozen' || (w.until === 'paused' ? r.phase === 'Paused' : r.phase === 'Completed' || r.phase === 'None');
    if (done) return r;
    if (Date.now() > deadline) return { ...r, timedOut: true, exitCode: 4 };
    w.onWait?.(r);
    await new Promise((res) => setTimeout(res, w.pollMs));
  }
}
