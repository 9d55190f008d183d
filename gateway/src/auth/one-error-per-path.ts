/** A field selected twice (`{ me { id } me { name } }`) is one field of the result, with one error. */
export function onePerPath<T extends { path?: readonly (string | number)[] | undefined }>(errors: T[]): T[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = JSON.stringify(error.path ?? null);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
