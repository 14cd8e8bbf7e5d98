// The gate engine: collect what to check, run every active rule on it, fingerprint the
// findings, apply the baseline, and decide. Reporters turn the result into text/JSON/SARIF.
import { resolve, isAbsolute } from 'node:path';
import { allRules } from '../../rules/index.js';
import type { ShardshipConfig } from '../config/schema.js';
import { isShardshipError } from '../core/errors.js';
import { redact, registerSecret } from '../core/redact.js';
import type { DiffLimits } from '../git/diff.js';
import { GitRepo } from '../git/repo.js';
import { parseBaseline, readBaselineFile, writeBaselineFile } from './baseline.js';
import { assignFingerprints } from './fingerprint.js';
import { resolveRuleSettings, type ActiveRule } from './settings.js';
import { collectSubjects, type GateMode } from './subject.js';
import type { EslintRun, Finding, GateRule, GateSubject, RuleFinding } from './types.js';

export type { GateMode } from './subject.js';

export interface RunGateOptions {
  repoDir: string;
  config: ShardshipConfig;
  mode: GateMode;
  /** Widen code rules to every line of changed files (default: gate.code.allLines). */
  allLines?: boolean;
  /** Baseline path, relative to repoDir (default: gate.baseline). */
  baselineFile?: string;
  /** Write every current finding to the baseline instead of failing on them. */
  writeBaseline?: boolean;
  /** The rule registry (tests pass a subset). */
  rules?: readonly GateRule[];
  /** Environment for git (a pre-receive hook's quarantine variables). */
  env?: NodeJS.ProcessEnv;
  limits?: DiffLimits;
  /** Run only these rule groups (default: gate.groups, else all). */
  groups?: GateRule['group'][];
}

export interface RuleSummary {
  id: string;
  group: GateRule['group'];
  severity: Finding['severity'];
  description: string;
}

export interface GateResult {
  passed: boolean;
  findings: Finding[];
  /** Findings hidden because the baseline lists them. */
  suppressed: number;
  commits: number;
  files: number;
  /** What was checked, e.g. the pushed refs. */
  subjects: string[];
  /** The active rules, for reporters (SARIF rule metadata). */
  rules: RuleSummary[];
  /** Set when --write-baseline wrote the file. */
  baselineWritten?: string;
  /** Which ESLint code/eslint ran, when it ran. */
  eslint?: EslintRun;
  /** The staged changes were checked (a pre-commit hook): there are no commits to count. */
  staged?: boolean;
}

export async function runGate(opts: RunGateOptions): Promise<GateResult> {
  const { config } = opts;
  const active = resolveRuleSettings(opts.rules ?? allRules, config.gate.rules, opts.groups ?? config.gate.groups);
  const repo = new GitRepo(opts.repoDir, opts.env);
  // Message rules need no diffs: skipping them keeps a 1,000-commit message check to one git call.
  const withFiles = active.some((a) => a.rule.group !== 'commit');
  for (const a of active) void a.rule.prepare?.({ repoDir: opts.repoDir, mode: opts.mode.kind }).catch(() => undefined);
  const subjects = await collectSubjects(repo, opts.mode, { withFiles, ...(opts.limits ? { limits: opts.limits } : {}) });
  const allLines = opts.allLines ?? config.gate.code.allLines;

  const findings: Finding[] = [];
  let eslint: EslintRun | undefined;
  const noteEslint = (run: EslintRun) => (eslint = run);
  for (const subject of subjects) {
    for (const a of active) {
      for (const f of await runRule(a, subject, config, allLines, noteEslint)) findings.push(subject.label ? { ...f, subject: subject.label } : f);
    }
  }
  const unique = dedupe(findings, subjects);
  sortFindings(unique, subjects);
  assignFingerprints(unique, await lineTextLookup(subjects, unique));
  redactFindings(unique);

  const baselinePath = resolveIn(opts.repoDir, opts.baselineFile ?? config.gate.baseline);
  const commitShas = new Set(subjects.flatMap((s) => s.commits.map((c) => c.commit.sha)));
  const fileCount = new Set(subjects.flatMap((s) => [...s.net, ...s.commits.flatMap((c) => c.files)].map((f) => f.path))).size;
  const base = {
    ...(opts.mode.kind === 'staged' ? { staged: true } : {}),
    commits: commitShas.size,
    files: fileCount,
    subjects: subjects.map((s) => s.label ?? `${s.base?.slice(0, 12) ?? ''}..${s.head?.slice(0, 12) ?? ''}`),
    rules: active.map((a) => ({ id: a.rule.id, group: a.rule.group, severity: a.severity, description: a.rule.description })),
    ...(eslint ? { eslint } : {}),
  };

  if (opts.writeBaseline) {
    await writeBaselineFile(baselinePath, unique);
    return { passed: true, findings: unique, suppressed: 0, ...base, baselineWritten: baselinePath };
  }
  const baseline = await loadBaseline(repo, baselinePath, opts.baselineFile ?? config.gate.baseline);
  const kept = unique.filter((f) => !baseline.has(f.fingerprint ?? ''));
  return {
    passed: !kept.some((f) => f.severity === 'error'),
    findings: kept,
    suppressed: unique.length - kept.length,
    ...base,
  };
}

function resolveIn(dir: string, file: string): string {
  return isAbsolute(file) ? file : resolve(dir, file);
}

async function loadBaseline(repo: GitRepo, path: string, shown: string): Promise<Set<string>> {
  let text = await readBaselineFile(path);
  // A bare server repository has no working tree: use the baseline committed on its HEAD.
  if (text === undefined && !isAbsolute(shown) && (await repo.isBare())) text = (await repo.readBlob('HEAD', shown))?.toString('utf8');
  return text === undefined ? new Set() : parseBaseline(shown, text);
}

async function runRule(a: ActiveRule, subject: GateSubject, config: ShardshipConfig, allLines: boolean, noteEslint: (run: EslintRun) => void): Promise<Finding[]> {
  let raw: RuleFinding[];
  try {
    raw = await a.rule.check({ subject, config, gate: config.gate, options: a.options, allLines, noteEslint });
  } catch (e) {
    // Config and usage problems stop the run; a crashing rule is reported, not fatal to the others.
    if (isShardshipError(e)) throw e;
    return [{ ruleId: a.rule.id, severity: 'error', message: `rule crashed: ${(e as Error).message}`, hint: 'run with --debug and report it' }];
  }
  return raw.map(({ secret, ...f }) => {
    // Registered now, before any finding is printed: other rules quote the same text
    // (ESLint's `Duplicate key 'ghp_…'`), and every output then masks it too.
    registerSecret(secret);
    return { ...f, severity: a.severity === 'warn' ? 'warn' : (f.severity ?? a.severity) };
  });
}

/**
 * Mask every registered secret in the findings themselves, so that every reporter (text, JSON,
 * SARIF, workflow commands) and every GitHub payload built from them carries only masked text.
 */
function redactFindings(findings: Finding[]): void {
  for (const f of findings) {
    f.message = redact(f.message);
    if (f.hint !== undefined) f.hint = redact(f.hint);
    if (f.file !== undefined) f.file = redact(f.file);
    if (f.subject !== undefined) f.subject = redact(f.subject);
  }
}

/**
 * Findings are per commit: the same file changed the same way in four commits is four findings.
 * The one exception is a merge, whose diff against its first parent repeats what its branch's
 * commits brought: a merge's finding that one of those commits already has is reported once.
 */
function dedupe(findings: Finding[], subjects: GateSubject[]): Finding[] {
  const merges = new Set(subjects.flatMap((s) => s.commits.filter((c) => c.commit.isMerge).map((c) => c.commit.sha)));
  const problem = (f: Finding) => [f.ruleId, f.subject ?? '', f.file ?? '', f.line ?? '', f.message].join('\0');
  const fromCommits = new Set(findings.filter((f) => !f.commit || !merges.has(f.commit)).map(problem));
  const seen = new Set<string>();
  return findings.filter((f) => {
    if (f.commit && merges.has(f.commit) && f.file !== undefined && fromCommits.has(problem(f))) return false;
    const key = `${problem(f)}\0${f.commit ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sortFindings(findings: Finding[], subjects: GateSubject[]): void {
  const order = new Map<string, number>();
  for (const s of subjects) for (const c of s.commits) if (!order.has(c.commit.sha)) order.set(c.commit.sha, order.size);
  const rank = (f: Finding) => (f.commit !== undefined ? (order.get(f.commit) ?? order.size) : order.size + 1);
  // Stable sort: within one commit and file, keep the rules' own order.
  findings.sort((a, b) => rank(a) - rank(b) || (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
}

/** The text a finding is anchored to: its source line, or the commit's subject line. */
async function lineTextLookup(subjects: GateSubject[], findings: Finding[]): Promise<(f: Finding) => string> {
  const byCommit = new Map<string, Map<string, string>>();
  const net = new Map<string, string>();
  const subjectLine = new Map<string, string>();
  for (const s of subjects) {
    for (const c of s.commits) {
      subjectLine.set(c.commit.sha, c.commit.message.split('\n')[0] ?? '');
      const m = new Map<string, string>();
      for (const f of c.files) for (const l of f.addedLines) m.set(`${f.path}\0${l.line}`, l.text);
      byCommit.set(c.commit.sha, m);
    }
    for (const f of s.net) for (const l of f.addedLines) net.set(`${f.path}\0${l.line}`, l.text);
  }
  // Lines a rule reports outside the diff (code rules with --all-lines): read the file at head.
  const headLines = new Map<string, string[]>();
  for (const f of findings) {
    if (!f.file || !f.line || headLines.has(f.file)) continue;
    const key = `${f.file}\0${f.line}`;
    if (net.has(key) || (f.commit && byCommit.get(f.commit)?.has(key))) continue;
    const subject = subjects.find((s) => s.net.some((n) => n.path === f.file)) ?? subjects[0];
    const buf = subject ? await subject.readAtHead(f.file) : undefined;
    headLines.set(f.file, buf ? buf.toString('utf8').split('\n') : []);
  }
  return (f) => {
    if (f.file && f.line) {
      const key = `${f.file}\0${f.line}`;
      return (f.commit ? byCommit.get(f.commit)?.get(key) : undefined) ?? net.get(key) ?? headLines.get(f.file)?.[f.line - 1] ?? '';
    }
    if (f.file) return f.message;
    return `${f.message}\0${f.commit ? (subjectLine.get(f.commit) ?? '') : ''}`;
  };
}
