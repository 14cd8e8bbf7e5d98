// Which apps an environment runs: release.apps (or env.apps of them), each resolved as the
// release stage resolves it, with its templates.
import type { EnvConfig } from '../config/env.js';
import type { ReleaseConfig } from '../config/release.js';
import { UsageError } from '../core/errors.js';
import { loadTemplates } from '../release/render.js';
import { resolveSpec } from '../release/spec.js';
import type { AppDeploy } from './objects.js';

export async function environmentApps(release: ReleaseConfig | undefined, config: Pick<EnvConfig, 'apps'>, cwd: string): Promise<AppDeploy[]> {
  if (!release) {
    if (config.apps?.length) throw new UsageError(`env.apps names ${config.apps.join(', ')} but shardship.yaml has no release section`, { hint: 'declare them under release.apps' });
    return [];
  }
  const names = config.apps ?? Object.keys(release.apps);
  const templates = await loadTemplates(release.templates, cwd);
  return names.map((app) => ({ spec: resolveSpec(release, app), templates }));
}
