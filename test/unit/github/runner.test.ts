// The Actions runner adapter: log lines carry text others wrote (PR titles, file names in the
// pipeline report), and the runner reads every stdout line for workflow commands.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { actionsRunner } from '../../../pipeline/github/runner.js';
import { runnerCommands } from '../gate/report/runner-model.js';

afterEach(() => vi.restoreAllMocks());

function captured(run: () => void): string {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    chunks.push(typeof c === 'string' ? c : Buffer.from(c).toString('utf8'));
    return true;
  });
  run();
  vi.restoreAllMocks();
  return chunks.join('');
}

describe('actionsRunner.info', () => {
  it('prints the text as it is, and the runner runs none of the commands in it', () => {
    const body = '## gate failed\n::add-mask::hunter2\n  ::set-output name=x::pwned\nv1 ##[set-output name=x;]pwned\r::error::INJECTED';
    const out = captured(() => actionsRunner().info(body));
    expect(out).toContain(body);
    const commands = runnerCommands(out);
    expect(commands.map((c) => c.command)).toEqual(['stop-commands']);
    expect(out.trimEnd().split('\n').at(-1)).toBe(`::${commands[0]!.data}::`);
  });
});
