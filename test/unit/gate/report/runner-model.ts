// What the GitHub Actions runner makes of a step's output, after actions/runner:
// ProcessInvoker reads lines ending at CR, LF or CRLF; ActionCommandManager parses each line as
// a `::cmd props::data` command (after trimming leading space) or else as the old `##[cmd]data`
// form found anywhere in the line; after `::stop-commands::TOKEN` only `::TOKEN::` is a command.
export interface RunnerCommand {
  command: string;
  properties: Record<string, string>;
  data: string;
}

const unescapeData = (s: string) => s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
const unescapeProperty = (s: string) => unescapeData(s.replace(/%3A/gi, ':').replace(/%2C/gi, ','));

function parseV2(line: string): RunnerCommand | undefined {
  const m = line.trimStart();
  if (!m.startsWith('::')) return undefined;
  const end = m.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = m.slice(2, end);
  const space = info.indexOf(' ');
  const command = space < 0 ? info : info.slice(0, space);
  if (!command) return undefined;
  const properties: Record<string, string> = {};
  if (space >= 0) {
    for (const pair of info.slice(space + 1).split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
  }
  return { command, properties, data: unescapeData(m.slice(end + 2)) };
}

function parseV1(line: string): RunnerCommand | undefined {
  const at = line.indexOf('##[');
  if (at < 0) return undefined;
  const close = line.indexOf(']', at);
  if (close < 0) return undefined;
  const info = line.slice(at + 3, close);
  const space = info.indexOf(' ');
  const command = space < 0 ? info : info.slice(0, space);
  return command ? { command, properties: {}, data: line.slice(close + 1) } : undefined;
}

export function runnerLines(output: string): string[] {
  return output.split(/\r\n|\r|\n/);
}

/** Every command the runner would run for this output, in order. */
export function runnerCommands(output: string): RunnerCommand[] {
  const seen: RunnerCommand[] = [];
  let stopToken: string | undefined;
  for (const line of runnerLines(output)) {
    const cmd = parseV2(line) ?? parseV1(line);
    if (!cmd) continue;
    if (stopToken !== undefined) {
      if (cmd.command === stopToken) stopToken = undefined;
      continue;
    }
    if (cmd.command === 'stop-commands') stopToken = cmd.data;
    seen.push(cmd);
  }
  return seen;
}
