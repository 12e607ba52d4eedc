/**
 * Which members a selection names, as `tar -x ARCHIVE MEMBER...` takes them: each path given, and
 * for a folder everything under it; "./", "." and doubled or trailing slashes do not count.
 */

/** An archive path as its parts, "." and empty parts dropped. */
export function memberParts(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

/** Whether a member is in the selection `wanted` ('' selects everything). */
export function memberSelection(wanted: readonly string[]): (path: string) => boolean {
  const keys = wanted.map((w) => memberParts(w).join('/'));
  return (path) => {
    const plain = memberParts(path).join('/');
    return keys.some((w) => w === '' || plain === w || plain.startsWith(`${w}/`));
  };
}
