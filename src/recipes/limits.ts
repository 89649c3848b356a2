/**
 * Caps on the recipes' retry loops, with reasons. A loop that hits its cap throws RecipeError
 * WARREN_RECIPE_RETRIES_EXHAUSTED rather than spinning.
 */

/**
 * Consecutive ConnectionLoss retries of one step. The client waits for the next connection
 * before sending, so each retry costs at least a reconnect; 50 covers minutes of flapping.
 */
export const CONNECTION_LOSS_RETRIES_MAX = 50;

/** Compare-and-set attempts of one counter update before giving up under heavy contention. */
export const CAS_ATTEMPTS_MAX = 1_000;

/** Items a queue consumer tries to take from one listing before listing again. */
export const QUEUE_TAKE_BATCH_MAX = 1_000;

/**
 * Nodes a cache remembers to re-read before it collapses them into one full re-read: a burst
 * of events costs at most this much memory.
 */
export const CACHE_REFRESH_QUEUE_MAX = 10_000;

/** Wait before a recipe that owns its clients calls the factory again after it failed. */
export const FACTORY_RETRY_DELAY_MS = 1_000;
