// Large files bloat every clone forever: cap the size of added and changed files.
import { changeSets, isNumber, option } from '../../pipeline/gate/changes.js';
import { matchesAny } from '../../pipeline/gate/glob.js';
import type { GateRule } from '../../pipeline/gate/types.js';

export const diffMaxFileSize: GateRule = {
  id: 'diff/max-file-size',
  group: 'diff',
  defaultSeverity: 'error',
  description: 'Added or changed files are at most gate.diff.maxFileBytes (default 1 MB); lockfiles at most gate.diff.lockfileMaxBytes (default 20 MB).',
  check({ subject, gate, options }) {
    const max = option('diff/max-file-size', options, 'maxBytes', gate.diff.maxFileBytes, isNumber, 'a number of bytes');
    const limitOf = (path: string) => (matchesAny(path, gate.diff.lockfiles) ? { bytes: gate.diff.lockfileMaxBytes, key: 'gate.diff.lockfileMaxBytes' } : { bytes: max, key: 'gate.diff.maxFileBytes' });
    return changeSets(subject).flatMap((set) =>
      set.files
        .filter((f) => f.status !== 'deleted' && !f.submodule && (f.sizeBytes ?? 0) > limitOf(f.path).bytes)
        .map((f) => ({
          ruleId: 'diff/max-file-size',
          ...(set.commit ? { commit: set.commit } : {}),
          file: f.path,
          message: `${f.path} is ${f.sizeBytes ?? 0} bytes, over the ${limitOf(f.path).bytes}-byte limit`,
          hint: `keep large files out of git (Git LFS, an artifact store), or raise ${limitOf(f.path).key}`,
        })),
    );
  },
};
