/**
 * The one error type of configuration loading. It stops start-up: the message says which key,
 * where, what value was found and what is expected, so the operator can fix the file or flag.
 */

/** Where a setting came from: a file and its 1-based line. */
export interface Where {
  readonly source: string;
  readonly line: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'WARREN_CONFIG';

  /**
   * @param key the zoo.cfg key as written (file errors), the ServerConfig field name
   *   (validateConfig errors), or '' when the file as a whole is at fault.
   */
  constructor(
    message: string,
    readonly key: string,
    readonly where?: Where,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** `zoo.cfg line 3: ` or, for a value that did not come from a file, nothing. */
export function prefixOf(where: Where | undefined): string {
  return where === undefined ? '' : `${where.source} line ${where.line}: `;
}

/** Shows a bad value the way the operator typed it. */
export function showValue(value: unknown): string {
  if (value instanceof Set) return `'${[...(value as Set<unknown>)].join(',')}'`;
  return `'${String(value)}'`;
}

/** `zoo.cfg line 3: tickTime must be a positive integer (milliseconds), got 'abc'`. */
export function invalidValue(
  key: string,
  expected: string,
  got: unknown,
  where: Where | undefined,
  detail?: string,
): ConfigError {
  const reason = detail === undefined ? '' : ` (${detail})`;
  return new ConfigError(
    `${prefixOf(where)}${key} must be ${expected}, got ${showValue(got)}${reason}`,
    key,
    where,
  );
}
