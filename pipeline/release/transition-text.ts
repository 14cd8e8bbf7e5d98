// `release promote|abort --dry-run` for people: the transition, the writes it would make and
// the engine's next round, with nothing written.
import type { Painter } from '../core/output.js';
import type { ReleaseCommandPreview } from './index.js';
import { describeSplit } from './transitions.js';
import type { ReleaseAction } from './types.js';

export function renderCommandPreview(p: ReleaseCommandPreview, paint: Painter): string[] {
  const at = (v: ReleaseCommandPreview['from']) => `${v.phase}, step ${v.stepIndex + 1} (${v.step})`;
  const lines = [
    paint.bold(`dry run of release ${p.command} for ${p.app}: nothing was written`),
    `  revision ${p.from.revision}: ${at(p.from)} -> ${at(p.to)}`,
    `  message  ${p.to.message}`,
    ...p.history.map((h) => `  history  + ${h.action}: ${h.detail}`),
  ];
  for (const e of p.effects) lines.push(e.type === 'writeState' ? `  would write the release state (${p.stateObject})` : '  would then drive the release:');
  for (const a of p.next) lines.push(`    ${describeAction(a)}`);
  return lines;
}

function describeAction(a: ReleaseAction): string {
  switch (a.type) {
    case 'scale':
      return `scale ${a.track} to ${a.replicas}${a.image ? ` (${a.image})` : ''}: ${a.reason}`;
    case 'route':
      return `route ${describeSplit(a.split)}: ${a.reason}`;
    case 'setPreview':
      return `point the preview Service at ${a.track}`;
    case 'analyze':
      return `run analysis ${a.templates.join(', ')}`;
    case 'advance':
      return `advance to step ${a.to + 1}: ${a.message}`;
    case 'setCanaryScale':
      return 'set the canary scale';
    case 'markStableScaledUp':
      return 'record that stable is scaled up';
    case 'wait':
    case 'pause':
    case 'abort':
    case 'freeze':
      return `${a.type}: ${a.reason}`;
    case 'note':
    case 'complete':
    case 'aborted':
      return `${a.type}: ${a.message}`;
  }
}
