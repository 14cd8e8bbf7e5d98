// Leftover merge conflict markers in added lines.
import { changeSets } from '../../pipeline/gate/changes.js';
import type { GateRule, RuleFinding } from '../../pipeline/gate/types.js';

const OPEN_CLOSE = /^(<{7}|>{7}|\|{7})(?: |$)/;
const MIDDLE = /^={7}$/;

export const diffConflictMarkers: GateRule = {
  id: 'diff/conflict-markers',
  group: 'diff',
  defaultSeverity: 'error',
  description: 'Added lines contain no merge conflict markers (<<<<<<<, >>>>>>>, and ======= next to them).',
  check({ subject }) {
    const findings: RuleFinding[] = [];
    for (const set of changeSets(subject)) {
      for (const f of set.files) {
        if (f.binary || f.submodule) continue;
        // A bare ======= is a Markdown/RST underline unless the file also gained a real marker.
        const hasMarker = f.addedLines.some((l) => OPEN_CLOSE.test(l.text));
        for (const l of f.addedLines) {
          if (!(OPEN_CLOSE.test(l.text) || (hasMarker && MIDDLE.test(l.text)))) continue;
          findings.push({
            ruleId: 'diff/conflict-markers',
            ...(set.commit ? { commit: set.commit } : {}),
            file: f.path,
            line: l.line,
            message: `merge conflict marker "${l.text.slice(0, 7)}"`,
            hint: 'finish resolving the conflict and remove the markers',
          });
        }
      }
    }
    return findings;
  },
};
