// Which rules run, at what severity, with which options: a pure function of the registry
// and `gate.rules` in shardship.yaml. Unknown rule ids are config errors with a suggestion.
import type { RuleSetting, Severity } from '../config/common.js';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { closest } from '../config/yaml-source.js';
import type { FindingSeverity, GateRule } from './types.js';

export interface ActiveRule {
  rule: GateRule;
  severity: FindingSeverity;
  options: Record<string, unknown>;
}

/** `groups`, when given, keeps only the rules of those groups (gate.groups, `gate --only`). */
export function resolveRuleSettings(rules: readonly GateRule[], settings: Record<string, RuleSetting>, groups?: readonly GateRule['group'][]): ActiveRule[] {
  const ids = rules.map((r) => r.id);
  const problems: ConfigProblem[] = [];
  for (const id of Object.keys(settings)) {
    if (ids.includes(id)) continue;
    const guess = closest(id, ids);
    problems.push({
      path: `gate.rules.${id}`,
      message: `unknown rule "${id}"`,
      hint: guess ? `did you mean "${guess}"?` : 'see docs/rules.md for the rule ids',
    });
  }
  if (problems.length) throw new ConfigError(problems);
  const active: ActiveRule[] = [];
  for (const rule of rules) {
    if (groups && !groups.includes(rule.group)) continue;
    const setting = settings[rule.id];
    let severity: Severity = rule.defaultSeverity;
    let options: Record<string, unknown> = {};
    if (typeof setting === 'string') severity = setting;
    else if (setting) {
      severity = setting.severity ?? rule.defaultSeverity;
      options = setting.options ?? {};
    }
    if (severity !== 'off') active.push({ rule, severity, options });
  }
  return active;
}
