// What the build needs to know from the Dockerfile itself: the final stage's base image
// (for org.opencontainers.image.base.name). Parsed with dockerfile-ast, never with regexes.
import { DockerfileParser, type From } from 'dockerfile-ast';

function substitute(text: string, vars: Record<string, string>): string {
  // ${NAME}, ${NAME:-default} and $NAME, as the builder expands FROM lines.
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string | undefined, def: string | undefined, b: string | undefined) => {
    const name = (a ?? b)!;
    return vars[name] ?? def ?? '';
  });
}

/**
 * The image the target stage (or the last stage) finally builds on, following stage
 * aliases (`FROM build AS final` -> the base of `build`). `scratch` when it is scratch.
 */
export function baseImageOf(dockerfileText: string, opts: { target?: string; buildArgs?: Record<string, string> } = {}): string | undefined {
  const df = DockerfileParser.parse(dockerfileText);
  const vars: Record<string, string> = {};
  for (const arg of df.getInitialARGs()) {
    const p = arg.getProperty();
    if (p) vars[p.getName()] = opts.buildArgs?.[p.getName()] ?? p.getValue() ?? '';
  }
  const froms: From[] = df.getFROMs();
  const byStage = new Map<string, From>();
  for (const f of froms) {
    const stage = f.getBuildStage();
    if (stage) byStage.set(stage.toLowerCase(), f);
  }
  let from: From | undefined = opts.target ? byStage.get(opts.target.toLowerCase()) : froms.at(-1);
  const visited = new Set<From>();
  while (from && !visited.has(from)) {
    visited.add(from);
    const image = from.getImage();
    if (!image) return undefined;
    const resolved = substitute(image, vars);
    const parent = byStage.get(resolved.toLowerCase());
    if (!parent || parent === from) return resolved;
    from = parent;
  }
  return undefined;
}

/** Names the Dockerfile declares with ARG (any stage): a build arg of such a name is consumed, and the classic builder records it in the image history. */
export function declaredArgs(dockerfileText: string): Set<string> {
  const df = DockerfileParser.parse(dockerfileText);
  const names = new Set<string>();
  for (const ins of df.getInstructions()) {
    if (ins.getKeyword() !== 'ARG') continue;
    const arg = ins as unknown as { getProperty?: () => { getName(): string } | null };
    const name = arg.getProperty?.()?.getName();
    if (name) names.add(name);
  }
  return names;
}
