// The runner port: what an Actions step can tell the runner (outputs, job summary, masks,
// annotations through workflow commands). `actionsRunner` is the only user of @actions/core;
// `memoryRunner` records the same calls for tests and the CLI.
import * as core from '@actions/core';
import { registerSecret } from '../core/redact.js';
import { stopCommandsToken } from '../core/untrusted.js';

export type LogLevel = 'error' | 'warning' | 'notice';

export interface AnnotationProps {
  file?: string;
  line?: number;
  endLine?: number;
  title?: string;
}

export interface Runner {
  input(name: string, opts?: { required?: boolean }): string;
  setOutput(name: string, value: string): void;
  /** Masks the value in the runner log and in every shardship output. */
  setSecret(value: string): void;
  /** Appends markdown to the job summary (GITHUB_STEP_SUMMARY). */
  summary(markdown: string): Promise<void>;
  /** A workflow-command annotation: the fallback when the check-run API is refused. */
  annotate(level: LogLevel, message: string, props?: AnnotationProps): void;
  info(message: string): void;
  warning(message: string): void;
  fail(message: string): void;
}

export function actionsRunner(): Runner {
  return {
    input: (name, opts) => core.getInput(name, { required: opts?.required ?? false, trimWhitespace: true }),
    setOutput: (name, value) => core.setOutput(name, value),
    setSecret: (value) => {
      if (!value) return;
      core.setSecret(value);
      registerSecret(value);
    },
    summary: async (markdown) => {
      if (!process.env.GITHUB_STEP_SUMMARY) return;
      await core.summary.addRaw(markdown, true).write();
    },
    // @actions/core escapes %, CR, LF (and , : in properties): untrusted text cannot forge a command.
    annotate: (level, message, props) => {
      const p = props && { file: props.file, startLine: props.line, endLine: props.endLine, title: props.title };
      if (level === 'error') core.error(message, p);
      else if (level === 'warning') core.warning(message, p);
      else core.notice(message, p);
    },
    info: (m) => logInert(m),
    warning: (m) => core.warning(m),
    fail: (m) => core.setFailed(m),
  };
}

/**
 * A log message the runner does not read for workflow commands: reports quote PR titles and
 * file names, and the runner runs `::cmd::` at a line's start and `##[cmd]` anywhere.
 */
function logInert(message: string): void {
  if (!message.includes('::') && !message.includes('##[')) return core.info(message);
  const token = stopCommandsToken();
  core.info(`::stop-commands::${token}`);
  core.info(message);
  core.info(`::${token}::`);
}

export interface MemoryRunner extends Runner {
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  summaries: string[];
  annotations: { level: LogLevel; message: string; props?: AnnotationProps }[];
  logs: string[];
  secrets: string[];
  failed?: string;
}

export function memoryRunner(inputs: Record<string, string> = {}): MemoryRunner {
  const r: MemoryRunner = {
    inputs,
    outputs: {},
    summaries: [],
    annotations: [],
    logs: [],
    secrets: [],
    input: (name, opts) => {
      const v = (inputs[name] ?? '').trim();
      if (!v && opts?.required) throw new Error(`Input required and not supplied: ${name}`);
      return v;
    },
    setOutput: (name, value) => void (r.outputs[name] = value),
    setSecret: (value) => {
      r.secrets.push(value);
      registerSecret(value);
    },
    summary: (markdown) => {
      r.summaries.push(markdown);
      return Promise.resolve();
    },
    annotate: (level, message, props) => void r.annotations.push({ level, message, props }),
    info: (m) => void r.logs.push(m),
    warning: (m) => void r.logs.push(`warning: ${m}`),
    fail: (m) => void (r.failed = m),
  };
  return r;
}

/** For `shardship run` outside Actions: logs and annotations go to the CLI output. */
export function outputRunner(out: { out(line: string): void; err(line: string): void }, summaries: string[] = []): Runner & { outputs: Record<string, string>; summaries: string[] } {
  const outputs: Record<string, string> = {};
  return {
    outputs,
    summaries,
    input: () => '',
    setOutput: (name, value) => void (outputs[name] = value),
    setSecret: (value) => registerSecret(value),
    summary: (markdown) => {
      summaries.push(markdown);
      return Promise.resolve();
    },
    annotate: (level, message, props) => out.err(`${level}${props?.file ? ` ${props.file}${props.line ? `:${props.line}` : ''}` : ''}: ${message}`),
    info: (m) => out.out(m),
    warning: (m) => out.err(`warning: ${m}`),
    fail: (m) => out.err(`error: ${m}`),
  };
}
