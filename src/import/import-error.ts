/** Why an import stopped: what is wrong, and where in which file when a file is at fault. */
export class ImportError extends Error {
  override readonly name = 'ImportError';
  readonly code = 'WARREN_IMPORT';
}

/** Damage or an impossible value in a ZooKeeper file, at a byte offset. */
export function damaged(file: string, offset: number, problem: string): ImportError {
  return new ImportError(`${file} at byte ${offset}: ${problem}`);
}
