/**
 * Linearizability checking for simulation and chaos tests: a generic Wing–Gong–Lowe checker
 * with per-key partitioning, a ZooKeeper znode model, and a recorder for real-process runs.
 */
export {
  checkHistory,
  DEFAULT_BUDGET_STEPS,
  type CheckOptions,
  type CheckResult,
} from './checker.js';
export { generateZnodeHistory, type GeneratedHistoryOptions } from './generate.js';
export { isPending, type Operation } from './history.js';
export type { Model } from './model.js';
export { HistoryRecorder, type CallHandle } from './recorder.js';
export {
  applyZnode,
  describeZnodeInput,
  describeZnodeOutput,
  describeZnodeState,
  znodeModel,
  type ZnodeInput,
  type ZnodeOutput,
  type ZnodeState,
} from './znode-model.js';
