/** A migration stopped for a reason the operator can act on; the message says what to do. */
export class MigrateError extends Error {
  override readonly name = 'MigrateError';
}
