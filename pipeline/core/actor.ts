// Who ran this: the one identity every record of a run carries (migration history
// `applied_by`, release history, undo and restore rows), read from the runner's environment.
import { hostname, userInfo } from 'node:os';

export interface ActorIdentity {
  /** The GitHub user that triggered the workflow, else the local user. */
  who: string;
  /** GITHUB_RUN_ID, when run by a workflow. */
  runId?: string;
  workflow?: string;
  repository?: string;
  /** The machine, for a run outside GitHub Actions. */
  host?: string;
  /** `$SHARDSHIP_APPLIED_BY`: recorded as is in history rows instead of the line built from the above. */
  label?: string;
}

export function currentActor(env: NodeJS.ProcessEnv): ActorIdentity {
  const label = env.SHARDSHIP_APPLIED_BY ? { label: env.SHARDSHIP_APPLIED_BY } : {};
  if (env.GITHUB_ACTOR) {
    return {
      who: env.GITHUB_ACTOR,
      ...(env.GITHUB_RUN_ID ? { runId: env.GITHUB_RUN_ID } : {}),
      ...(env.GITHUB_WORKFLOW ? { workflow: env.GITHUB_WORKFLOW } : {}),
      ...(env.GITHUB_REPOSITORY ? { repository: env.GITHUB_REPOSITORY } : {}),
      ...label,
    };
  }
  // A run id without an actor (a runner that sets only GITHUB_RUN_ID) still names its run.
  return {
    who: env.USER ?? env.LOGNAME ?? localUser() ?? 'unknown',
    host: hostname(),
    ...(env.GITHUB_RUN_ID ? { runId: env.GITHUB_RUN_ID } : {}),
    ...(env.GITHUB_WORKFLOW ? { workflow: env.GITHUB_WORKFLOW } : {}),
    ...label,
  };
}

/** The one-line form history rows record: the label, else `actor (owner/repo run N)`, else `user@host`. */
export function actorLine(a: ActorIdentity): string {
  if (a.label) return a.label;
  if (a.host !== undefined) return `${a.who}@${a.host}`;
  return `${a.who} (${a.repository ?? 'github'} run ${a.runId ?? '?'})`;
}

function localUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (containers).
    return undefined;
  }
}
