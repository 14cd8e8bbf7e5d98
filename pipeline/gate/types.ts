// The gate's data model: what rules read (a commit range and the changes it carries) and
// what they return (findings). Rules are data-in, findings-out.
import type { GateConfig, GateGroup } from '../config/gate.js';
import type { ShardshipConfig } from '../config/schema.js';

export type FindingSeverity = 'error' | 'warn';

export interface CommitInfo {
  sha: string;
  parents: string[];
  author: string;
  /** Full raw message (may have been decoded from a non-UTF-8 encoding). */
  message: string;
  isMerge: boolean;
}

export interface AddedLine {
  /** 1-based line number in the new version of the file. */
  line: number;
  text: string;
}

export type ChangeStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type-changed';

export interface ChangedFile {
  path: string;
  /** For renames and copies. */
  oldPath?: string;
  status: ChangeStatus;
  binary: boolean;
  submodule: boolean;
  /** Size of the new blob in bytes (absent for deletions). */
  sizeBytes?: number;
  /** Added or changed lines (new-side), empty for binary files. Capped for huge diffs. */
  addedLines: AddedLine[];
  /** True when addedLines was capped to keep memory bounded. */
  truncated?: boolean;
}

export interface CommitChange {
  commit: CommitInfo;
  files: ChangedFile[];
}

/** What is being gated: a range of commits, the net change, and how to read file contents. */
export interface GateSubject {
  repoDir: string;
  /** What this subject is, for reports: e.g. `refs/heads/main` in a pre-receive hook. */
  label?: string;
  /** Commits in order, oldest first. */
  commits: CommitChange[];
  /** The net change from base to head (what a reviewer sees). */
  net: ChangedFile[];
  /** Base revision (exclusive) or undefined for a root / staged check. */
  base?: string;
  /** Head revision, or 'STAGED' for the index, or undefined for a message-only check. */
  head?: string;
  /**
   * What a push takes away from its branch (old tip -> new tip) when it is not a fast-forward:
   * files deleted, edited or renamed. Metadata only (no lines): the migration rules read it.
   */
  rewound?: ChangedFile[];
  /** True when `net` is the files of a tree or blob a ref points at directly (a tag), not of commits. */
  objects?: boolean;
  /** A predicted squash message (PR title), checked like a commit message. */
  extraMessages?: { source: string; message: string }[];
  /** Read a file as it is at head (or the index when staged); undefined when absent. */
  readAtHead(path: string): Promise<Buffer | undefined>;
  /** List files under a directory as they are at the base (the target branch). */
  listAtBase(dir: string): Promise<string[]>;
  /**
   * Every added line of `path` in one commit (by sha; undefined: the staged change), streamed
   * and uncapped: `addedLines` stops at the diff limits, and a secrets scan may not.
   */
  streamAddedLines?(commit: string | undefined, path: string): AsyncIterable<AddedLine>;
}

export interface Finding {
  ruleId: string;
  severity: FindingSeverity;
  message: string;
  commit?: string;
  file?: string;
  line?: number;
  column?: number;
  hint?: string;
  /** The subject's label when it has one (the pushed ref, the pull request). Set by the engine. */
  subject?: string;
  /** Stable across unrelated edits: used by the baseline. Set by the engine if a rule leaves it out. */
  fingerprint?: string;
}

/** Which ESLint a run used: the repository's own, or shardship's (with a notice saying why). */
export interface EslintRun {
  version: string;
  from: 'repository' | 'shardship';
  notice?: string;
}

export interface RuleContext {
  subject: GateSubject;
  config: ShardshipConfig;
  gate: GateConfig;
  /** Rule options from shardship.yaml (`gate.rules.<id>.options`). */
  options: Record<string, unknown>;
  /** Widen code rules to every line of changed files. */
  allLines: boolean;
  /** code/eslint says which ESLint ran, for the report. */
  noteEslint?: (run: EslintRun) => void;
}

/**
 * What a rule returns: a finding without a severity (the engine applies the configured one).
 * A rule may say `severity: 'warn'` to downgrade one finding (commitlint warnings); it can
 * never raise a finding above the configured severity.
 */
export type RuleFinding = Omit<Finding, 'severity'> & {
  severity?: FindingSeverity;
  /**
   * The secret value this finding is about (diff/secrets). Never reported: the engine registers
   * it for redaction and masks it in every finding of every rule before any reporter sees them.
   */
  secret?: string;
};

export interface GateRule {
  id: string;
  group: GateGroup;
  defaultSeverity: FindingSeverity | 'off';
  /** One line for the rule reference. */
  description: string;
  check(ctx: RuleContext): Promise<RuleFinding[]> | RuleFinding[];
  /**
   * Start loading what check() will need (a library, the repo's config) while git collects
   * the commits: module loading then overlaps git's I/O. Failures are ignored here; check()
   * meets them again and reports them.
   */
  prepare?(ctx: RulePrepareContext): Promise<unknown>;
}

export interface RulePrepareContext {
  repoDir: string;
  /** The gate mode's kind: a rule skips preparing for input the mode never has (no message when staged). */
  mode: 'range' | 'new-branch' | 'pr' | 'staged' | 'commit-msg' | 'pre-receive';
}
