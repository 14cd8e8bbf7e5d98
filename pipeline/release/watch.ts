// The in-cluster `release watch` objects (deploy-templates/watch): a ServiceAccount, Role and
// RoleBinding, and the Deployment running `shardship release watch`. Rendered with
// ${VAR} substitution like the app templates; there is no default image (shardship
// publishes none), so an unset one is a config error rather than a pod that never pulls.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';
import type { KubeObject } from '../core/cluster.js';
import { substitute } from './render.js';

export const WATCH_TEMPLATE_DIR = join(packageRoot(), 'deploy-templates', 'watch');
export const WATCH_FILES = ['rbac.yaml', 'deployment.yaml'] as const;

export interface WatchVars {
  /** Image with shardship as its entrypoint (deploy-templates/watch/Dockerfile). */
  image: string | undefined;
  namespace: string;
}

/** Pure: the objects from the template texts. */
export function renderWatchTexts(texts: { file: string; text: string }[], vars: WatchVars): KubeObject[] {
  const image = vars.image?.trim();
  if (!image) {
    throw new ConfigError([
      {
        path: 'SHARDSHIP_IMAGE',
        message: 'the release watch Deployment needs an image, and shardship publishes none',
        hint: 'build one with deploy-templates/watch/Dockerfile (npm pack, docker build, docker push) and pass its reference',
      },
    ]);
  }
  if (/\s|\$\{/.test(image)) throw new ConfigError([{ path: 'SHARDSHIP_IMAGE', message: `"${image}" is not an image reference` }]);
  const values = { SHARDSHIP_IMAGE: image, NAMESPACE: vars.namespace };
  return texts.flatMap(({ file, text }) =>
    parseAllDocuments(substitute(file, text, values))
      .map((d) => d.toJS() as KubeObject | null)
      .filter((o): o is KubeObject => !!o),
  );
}

export async function renderWatchObjects(vars: WatchVars, dir = WATCH_TEMPLATE_DIR): Promise<KubeObject[]> {
  const texts = await Promise.all(WATCH_FILES.map(async (f) => ({ file: join(dir, f), text: await readFile(join(dir, f), 'utf8') })));
  return renderWatchTexts(texts, vars);
}
