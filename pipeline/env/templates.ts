// The env stage's shipped Kubernetes templates (deploy-templates/<name>), read once per process:
// the renderers that use them are pure functions of the texts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../core/package-root.js';

export type TemplateTexts<F extends string> = Record<F, { file: string; text: string }>;

const cache = new Map<string, TemplateTexts<string>>();

/** `files` of deploy-templates/`folder` (or of `dir`, a user's folder with the same file names). */
export function readTemplates<F extends string>(folder: string, files: readonly F[], dir = join(packageRoot(), 'deploy-templates', folder)): TemplateTexts<F> {
  const key = `${dir}\0${files.join('\0')}`;
  const hit = cache.get(key);
  if (hit) return hit as TemplateTexts<F>;
  const out = Object.fromEntries(files.map((f) => [f, { file: join(dir, f), text: readFileSync(join(dir, f), 'utf8') }])) as TemplateTexts<F>;
  cache.set(key, out);
  return out;
}
