/** Moved to src/bench/proc-stats.ts (shipped with `warren bench`); kept for bench/ importers. */
export * from '../src/bench/proc-stats.js';
