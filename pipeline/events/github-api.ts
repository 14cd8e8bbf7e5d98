// The GitHub port of the event pipeline: the calls shardship makes, named after what they do.
// pipeline/github/octokit.ts implements it; the pipeline talks to this interface only.

export type AnnotationLevel = 'notice' | 'warning' | 'failure';

export interface Annotation {
  path: string;
  startLine: number;
  endLine: number;
  level: AnnotationLevel;
  message: string;
  title?: string;
}

export type CheckConclusion = 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';

export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
  /** At most 50 per request: GitHub rejects more. `publishCheckRun` batches. */
  annotations?: Annotation[];
}

export interface CheckRunCreate {
  name: string;
  headSha: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion?: CheckConclusion;
  detailsUrl?: string;
  output?: CheckRunOutput;
}

export interface CheckRunUpdate {
  status?: 'queued' | 'in_progress' | 'completed';
  conclusion?: CheckConclusion;
  output?: CheckRunOutput;
}

export type CommitState = 'error' | 'failure' | 'pending' | 'success';

export interface IssueComment {
  id: number;
  body: string;
  author: string;
  /** 'Bot' for GitHub App / GITHUB_TOKEN comments. */
  authorType: string;
}

export type Reaction = '+1' | '-1' | 'laugh' | 'confused' | 'heart' | 'hooray' | 'rocket' | 'eyes';

/** GitHub's role name for a collaborator: admin, maintain, write, triage, read, or none. */
export interface CollaboratorPermission {
  permission: string;
  roleName: string;
}

export interface Deployment {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  payload: Record<string, unknown>;
  createdAt: string;
}

export type DeploymentState = 'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';

export interface DeploymentStatus {
  id: number;
  state: DeploymentState;
  description?: string;
  createdAt: string;
}

export interface PullRequestCommit {
  sha: string;
  message: string;
}

export interface GitHubApi {
  readonly owner: string;
  readonly repo: string;
  createCheckRun(input: CheckRunCreate): Promise<{ id: number }>;
  updateCheckRun(id: number, input: CheckRunUpdate): Promise<void>;
  createCommitStatus(input: { sha: string; state: CommitState; context: string; description?: string; targetUrl?: string }): Promise<void>;
  listIssueComments(issueNumber: number): Promise<IssueComment[]>;
  createComment(issueNumber: number, body: string): Promise<{ id: number }>;
  updateComment(commentId: number, body: string): Promise<void>;
  addReaction(commentId: number, content: Reaction): Promise<void>;
  getCollaboratorPermission(username: string): Promise<CollaboratorPermission>;
  createDeployment(input: { ref: string; environment: string; description?: string; payload: Record<string, unknown> }): Promise<{ id: number }>;
  createDeploymentStatus(deploymentId: number, input: { state: DeploymentState; description?: string; environmentUrl?: string; logUrl?: string }): Promise<void>;
  listDeployments(query: { environment: string; sha?: string }): Promise<Deployment[]>;
  listDeploymentStatuses(deploymentId: number): Promise<DeploymentStatus[]>;
  listPullRequestCommits(pullNumber: number): Promise<PullRequestCommit[]>;
}
