/**
 * The recipes' own failures, which have no ZooKeeper code. Each carries a stable string `code`
 * and says what happened and what to do; ZooKeeper failures pass through as ZooKeeperErrors.
 */
export type RecipeErrorCode =
  | 'WARREN_RECIPE_TIMEOUT'
  | 'WARREN_RECIPE_ABORTED'
  | 'WARREN_RECIPE_NODE_LOST'
  | 'WARREN_RECIPE_SESSION_LOST'
  | 'WARREN_RECIPE_NOT_HELD'
  | 'WARREN_RECIPE_BUSY'
  | 'WARREN_RECIPE_RETRIES_EXHAUSTED';

export class RecipeError extends Error {
  override readonly name = 'RecipeError';

  constructor(
    readonly code: RecipeErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
