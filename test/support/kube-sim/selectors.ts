// Label and field selectors in the syntax of the Kubernetes API query string
// (`app=web,tier in (a,b),!canary`), parsed once and matched against objects.
import type { KObject } from './types.js';

export type Requirement =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

/** Thrown for a malformed selector; the server answers 400 BadRequest. */
export class SelectorError extends Error {}

// Split on commas that are not inside `( ... )`.
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

export function parseLabelSelector(text: string | null | undefined): Requirement[] {
  if (!text) return [];
  return splitTopLevel(text).map((part): Requirement => {
    const setMatch = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    if (setMatch) {
      const values = setMatch[3]!.split(',').map((v) => v.trim()).filter((v) => v !== '');
      return { key: setMatch[1]!, op: setMatch[2] as 'in' | 'notin', values };
    }
    const neq = /^([^\s!=]+)\s*!=\s*(\S*)$/.exec(part);
    if (neq) return { key: neq[1]!, op: 'neq', value: neq[2]! };
    const eq = /^([^\s!=]+)\s*==?\s*(\S*)$/.exec(part);
    if (eq) return { key: eq[1]!, op: 'eq', value: eq[2]! };
    const not = /^!\s*([^\s!=]+)$/.exec(part);
    if (not) return { key: not[1]!, op: 'notexists' };
    if (/^[^\s!=()]+$/.test(part)) return { key: part, op: 'exists' };
    throw new SelectorError(`unable to parse requirement: "${part}"`);
  });
}

export function matchesRequirements(labels: Record<string, string> | undefined, reqs: Requirement[]): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'eq':
        return has && v === r.value;
      case 'neq':
        return !has || v !== r.value;
      case 'in':
        return has && r.values.includes(v!);
      case 'notin':
        return !has || !r.values.includes(v!);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
  });
}

/** A `LabelSelector` object (matchLabels + matchExpressions), as in Deployment.spec.selector. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function selectorObjectToRequirements(sel: LabelSelectorObject | undefined): Requirement[] {
  if (!sel) return [];
  const reqs: Requirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, value]) => ({ key, op: 'eq' as const, value }));
  for (const e of sel.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    if (op === 'in' || op === 'notin') reqs.push({ key: e.key, op, values: e.values ?? [] });
    else if (op === 'exists') reqs.push({ key: e.key, op: 'exists' });
    else if (op === 'doesnotexist') reqs.push({ key: e.key, op: 'notexists' });
  }
  return reqs;
}

export function selectorObjectToString(sel: LabelSelectorObject | undefined): string {
  return selectorObjectToRequirements(sel)
    .map((r) => {
      if (r.op === 'eq') return `${r.key}=${r.value}`;
      if (r.op === 'neq') return `${r.key}!=${r.value}`;
      if (r.op === 'in' || r.op === 'notin') return `${r.key} ${r.op} (${r.values.join(',')})`;
      return r.op === 'exists' ? r.key : `!${r.key}`;
    })
    .join(',');
}

export function matchesLabelSelectorObject(labels: Record<string, string> | undefined, sel: LabelSelectorObject | undefined): boolean {
  return matchesRequirements(labels, selectorObjectToRequirements(sel));
}

/** Field selectors: `metadata.name=x,metadata.namespace!=y,status.phase=Running`. */
export interface FieldRequirement {
  path: string[];
  op: 'eq' | 'neq';
  value: string;
}

export function parseFieldSelector(text: string | null | undefined): FieldRequirement[] {
  if (!text) return [];
  return splitTopLevel(text).map((part) => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw new SelectorError(`invalid field selector: "${part}"`);
    return { path: m[1]!.trim().split('.'), op: m[2] === '!=' ? ('neq' as const) : ('eq' as const), value: m[3]!.trim() };
  });
}

export function matchesFields(obj: KObject, reqs: FieldRequirement[]): boolean {
  return reqs.every((r) => {
    let cur: unknown = obj;
    for (const p of r.path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
    const v = cur === undefined || cur === null ? '' : String(cur as string | number | boolean);
    return r.op === 'eq' ? v === r.value : v !== r.value;
  });
}
