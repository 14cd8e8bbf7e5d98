// Files that must never be committed (.env, private keys), whatever their content.
import { changeSets, isStringArray, option } from '../../pipeline/gate/changes.js';
import { matchesAny } from '../../pipeline/gate/glob.js';
import type { GateRule } from '../../pipeline/gate/types.js';

export const diffForbiddenPaths: GateRule = {
  id: 'diff/forbidden-paths',
  group: 'diff',
  defaultSeverity: 'error',
  description: 'No commit adds or changes a file matching gate.diff.forbiddenPaths (default .env, *.pem, id_rsa).',
  check({ subject, gate, options }) {
    const forbidden = option('diff/forbidden-paths', options, 'paths', gate.diff.forbiddenPaths, isStringArray, 'a list of globs');
    return changeSets(subject).flatMap((set) =>
      set.files
        .filter((f) => f.status !== 'deleted' && matchesAny(f.path, forbidden))
        .map((f) => ({
          ruleId: 'diff/forbidden-paths',
          ...(set.commit ? { commit: set.commit } : {}),
          file: f.path,
          message: `${f.path} must not be committed (forbidden path)`,
          hint: `remove it from the commit (git rm --cached ${f.path}) and add it to .gitignore`,
        })),
    );
  },
};
