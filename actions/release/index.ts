// shardship release action: release an image to an environment, recorded as a GitHub deployment.
import { runAction } from '../../pipeline/events/action.js';
import { releaseStage } from '../../pipeline/events/wire-release.js';
import { UsageError } from '../../pipeline/core/errors.js';

await runAction({
  plan: ({ runner, context }) => {
    if (!context.sha) throw new UsageError('GITHUB_SHA is not set: cannot record the deployment');
    const opt = (name: string) => runner.input(name) || undefined;
    return {
      event: context.eventName,
      repository: context.repository,
      sha: context.sha,
      steps: [{ stage: 'release', environment: runner.input('environment', { required: true }), sha: context.sha, image: opt('image'), digest: opt('digest'), app: opt('app') }],
      notes: [],
    };
  },
}, releaseStage);
