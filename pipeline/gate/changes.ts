// Views of a GateSubject that rules share: the change sets to scan (one per commit, or the
// staged index) and the messages to lint (commits per the merge policy, plus the PR title).
import type { GateConfig } from '../config/gate.js';
import { ConfigError } from '../core/errors.js';
import type { ChangedFile, GateSubject } from './types.js';

export interface ChangeSet {
  /** Commit sha, or undefined for staged changes. */
  commit?: string;
  files: ChangedFile[];
}

/** Per-commit changes (history is what a push adds, so every commit counts), or the index when staged, or a tag's tree or blob. */
export function changeSets(subject: GateSubject): ChangeSet[] {
  if (subject.head === 'STAGED' || subject.objects) return [{ files: subject.net }];
  return subject.commits.map((c) => ({ ...(c.commit.sha ? { commit: c.commit.sha } : {}), files: c.files }));
}

export interface MessageToCheck {
  /** Commit sha; undefined for messages that are not commits yet (PR title). */
  commit?: string;
  source: string;
  message: string;
  isMerge: boolean;
}

/** Messages to lint: merge commits only under `merges: allow`, plus predicted messages (PR title). */
export function messagesToCheck(subject: GateSubject, merges: GateConfig['commit']['merges'], opts: { extra?: boolean } = {}): MessageToCheck[] {
  const out: MessageToCheck[] = [];
  for (const c of subject.commits) {
    if (c.commit.isMerge && merges !== 'allow') continue;
    out.push({ ...(c.commit.sha ? { commit: c.commit.sha } : {}), source: c.commit.sha ? `commit ${c.commit.sha.slice(0, 12)}` : 'commit message', message: c.commit.message, isMerge: c.commit.isMerge });
  }
  if (opts.extra !== false) for (const e of subject.extraMessages ?? []) out.push({ source: e.source, message: e.message, isMerge: false });
  return out;
}

/** A rule option (`gate.rules.<id>.options.<key>`), else `fallback`; a wrong type is a config error. */
export function option<T>(ruleId: string, options: Record<string, unknown>, key: string, fallback: T, is: (v: unknown) => v is T, expected: string): T {
  const v = options[key];
  if (v === undefined) return fallback;
  if (!is(v)) throw new ConfigError([{ path: `gate.rules.${ruleId}.options.${key}`, message: `must be ${expected}`, hint: 'see docs/rules.md for the option' }]);
  return v;
}

export const isString = (v: unknown): v is string => typeof v === 'string';
export const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
export const isNumber = (v: unknown): v is number => typeof v === 'number';
export const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
