/**
 * A sequential specification for the linearizability checker: the state machine that every
 * linearizable history must be an interleaving of. Steps are deterministic: given a state and an
 * input, the model either accepts the observed output (and says what the state becomes) or
 * rejects it. An unknown output (the operation never returned) is always accepted; the model
 * only applies the input's effect.
 */
export interface Model<S, I, O> {
  init(): S;
  /** The state after `input` produced `output`, or undefined if that output is impossible. */
  step(state: S, input: I, output: O | undefined): S | undefined;
  /** Equal keys must mean equal states: the checker memoizes on them. */
  stateKey(state: S): string;
  /**
   * P-compositionality: operations on different partitions never affect each other, so each
   * partition is checked alone. Omit for a single partition.
   */
  partitionKey?(input: I): string;
  /**
   * True when this operation cannot have changed the state (a read, or a reply that reports
   * failure). Dropping such an operation only removes constraints, so a failure that remains
   * is genuine: the checker shrinks failing histories by dropping only these. Omit to skip
   * shrinking.
   */
  isReadOnly?(input: I, output: O | undefined): boolean;
  describeOperation?(input: I, output: O | undefined): string;
  describeState?(state: S): string;
}
