/**
 * multi (14): the transaction builder and its results. Operations are validated by the server
 * in order and applied all together or not at all. On failure commit() throws TransactionError
 * (a ZooKeeperError with the first failing code) carrying every per-op result: ops before the
 * failing one report code 0, the failing one its code, later ones RuntimeInconsistency (-2).
 */
import { Err } from '../protocol/error-codes.js';
import { OpCode } from '../protocol/opcodes.js';
import type { Stat } from '../protocol/records.js';
import type { WriteSubRequest } from '../protocol/requests.js';
import type { MultiResult } from '../protocol/responses.js';
import { buildCreate, type CreateOptions } from './create-request.js';
import type { CallOptions } from './types.js';
import { errorFor, ZooKeeperError } from './zookeeper-errors.js';

export type OpResult =
  | { type: 'create'; path: string; stat: Stat | undefined }
  | { type: 'delete' }
  | { type: 'setData'; stat: Stat }
  | { type: 'check' }
  | { type: 'error'; code: number; error: ZooKeeperError | undefined };

/** The client side of commit: sends a multi of (client-path) sub-ops. */
export type MultiRunner = (
  ops: WriteSubRequest[],
  opts: CallOptions,
) => Promise<{ results: MultiResult[]; toClientPath: (p: string) => string }>;

export class TransactionError extends ZooKeeperError {
  override name = 'TransactionError';

  constructor(
    code: number,
    message: string,
    /** Index of the first failing op. */
    readonly failedIndex: number,
    /** One result per op, in order. */
    readonly results: OpResult[],
    path: string,
  ) {
    super(code, message, path, 'multi');
  }
}

export class Transaction {
  private readonly ops: WriteSubRequest[] = [];

  constructor(private readonly run: MultiRunner) {}

  create(path: string, opts: CreateOptions = {}): this {
    if (opts.parents === true) {
      throw new TypeError(`create ${path}: parents is not supported in a transaction`);
    }
    this.ops.push(buildCreate(path, opts, opts.withStat === true));
    return this;
  }

  delete(path: string, version = -1): this {
    this.ops.push({ type: OpCode.delete, path, version });
    return this;
  }

  setData(path: string, data: Buffer | string | null, version = -1): this {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    this.ops.push({ type: OpCode.setData, path, data: bytes, version });
    return this;
  }

  check(path: string, version = -1): this {
    this.ops.push({ type: OpCode.check, path, version });
    return this;
  }

  get size(): number {
    return this.ops.length;
  }

  /** Runs the transaction; resolves with one result per op or throws TransactionError. */
  async commit(opts: CallOptions = {}): Promise<OpResult[]> {
    if (this.ops.length === 0) return [];
    const { results, toClientPath } = await this.run(this.ops, opts);
    return interpret(this.ops, results, toClientPath);
  }
}

function interpret(
  ops: WriteSubRequest[],
  results: MultiResult[],
  toClientPath: (p: string) => string,
): OpResult[] {
  let failedIndex = -1;
  const out = results.map((item, i): OpResult => {
    const path = ops[i]?.path ?? '';
    const r = item.response;
    if (item.type === OpCode.error || item.err !== 0) {
      const code = r.kind === 'errorBody' ? r.err : item.err;
      const real = code !== Err.ok && code !== Err.runtimeInconsistency;
      if (real && failedIndex < 0) failedIndex = i;
      const error = code === Err.ok ? undefined : errorFor(code, path, 'multi');
      return { type: 'error', code, error };
    }
    if (r.kind === 'path') return { type: 'create', path: toClientPath(r.path), stat: undefined };
    if (r.kind === 'pathStat') return { type: 'create', path: toClientPath(r.path), stat: r.stat };
    if (r.kind === 'stat') return { type: 'setData', stat: r.stat };
    return item.type === OpCode.delete ? { type: 'delete' } : { type: 'check' };
  });
  if (failedIndex < 0 && out.some((r) => r.type === 'error')) failedIndex = 0;
  if (failedIndex < 0) return out;
  const failed = out[failedIndex];
  const error = failed?.type === 'error' ? failed.error : undefined;
  const code = error?.code ?? Err.runtimeInconsistency;
  const path = ops[failedIndex]?.path ?? '';
  const message =
    `transaction failed at op ${failedIndex + 1} of ${ops.length}: ` +
    `${error?.message ?? 'unknown error'}; nothing was applied`;
  throw new TransactionError(code, message, failedIndex, out, path);
}
