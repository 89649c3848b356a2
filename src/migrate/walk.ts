/**
 * Visits a tree from given roots, at most `concurrency` visits at a time, depth first (a
 * stack keeps the frontier near depth × fan-out instead of a whole level). A visit returns
 * the next items; the first failure stops the walk once the visits in flight are done.
 */
export async function walk<T>(
  roots: readonly T[],
  visit: (item: T) => Promise<readonly T[]>,
  concurrency: number,
): Promise<number> {
  const stack = [...roots];
  let active = 0;
  let visited = 0;
  let failure: { error: unknown } | null = null;
  return new Promise<number>((resolve, reject) => {
    const pump = (): void => {
      while (failure === null && active < concurrency && stack.length > 0) {
        const item = stack.pop() as T;
        active++;
        visit(item).then(
          (next) => {
            visited++;
            for (const n of next) stack.push(n);
            active--;
            pump();
          },
          (error: unknown) => {
            failure ??= { error };
            active--;
            pump();
          },
        );
      }
      if (active > 0) return;
      // The visit's own error, whatever it is, is what the caller should see.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      if (failure !== null) reject(failure.error);
      else if (stack.length === 0) resolve(visited);
    };
    pump();
  });
}
