// shardship migrate action: plan, or with `apply: true` apply, the migrations of one environment.
import { runAction } from '../../pipeline/events/action.js';
import { migrateStage } from '../../pipeline/events/wire-migrate.js';

await runAction({
  plan: ({ runner, context }) => {
    const payload = context.payload as { pull_request?: { head?: { sha?: string } }; number?: number };
    const pr = context.eventName === 'pull_request' ? payload.number : undefined;
    return {
      event: context.eventName,
      repository: context.repository,
      sha: payload.pull_request?.head?.sha ?? context.sha,
      ...(pr !== undefined ? { pullRequest: pr } : {}),
      steps: [{ stage: 'migrate', environment: runner.input('environment', { required: true }), apply: runner.input('apply') === 'true' }],
      notes: [],
    };
  },
}, migrateStage);
