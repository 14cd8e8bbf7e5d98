// Path globs for gate settings (forbiddenPaths, binaryAllowed): `**` crosses folders, `*` and
// `?` stay within one; a pattern without a slash matches the file name at any depth, as in .gitignore.
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function matchesAny(path: string, globs: readonly string[]): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return globs.some((g) => (g.includes('/') ? globToRegExp(g.replace(/^\//, '')).test(path) : globToRegExp(g).test(name)));
}
