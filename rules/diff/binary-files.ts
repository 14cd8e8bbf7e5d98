// Binary files only where the repository allows them (images in docs/, fixtures...).
import { changeSets, isStringArray, option } from '../../pipeline/gate/changes.js';
import { matchesAny } from '../../pipeline/gate/glob.js';
import type { GateRule } from '../../pipeline/gate/types.js';

export const diffBinaryFiles: GateRule = {
  id: 'diff/binary-files',
  group: 'diff',
  defaultSeverity: 'error',
  description: 'Binary files are added or changed only under the globs in gate.diff.binaryAllowed.',
  check({ subject, gate, options }) {
    const allowed = option('diff/binary-files', options, 'allowed', gate.diff.binaryAllowed, isStringArray, 'a list of globs');
    return changeSets(subject).flatMap((set) =>
      set.files
        .filter((f) => f.binary && f.status !== 'deleted' && !matchesAny(f.path, allowed))
        .map((f) => ({
          ruleId: 'diff/binary-files',
          ...(set.commit ? { commit: set.commit } : {}),
          file: f.path,
          message: `binary file ${f.path} is outside the allowed paths`,
          hint: allowed.length ? `binary files may go under: ${allowed.join(', ')}` : 'add a glob to gate.diff.binaryAllowed if binaries belong there',
        })),
    );
  },
};
