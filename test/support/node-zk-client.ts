/**
 * Promises over node-zookeeper-client's callback API, for interop tests and benchmarks.
 * Errors reject with the package's Exception (its `code` is the ZooKeeper error code); a
 * connect that does not finish within its timeout rejects instead of retrying forever.
 */
import zookeeper from 'node-zookeeper-client';
import type {
  ACL,
  Client,
  ClientOptions,
  Stat,
  Transaction,
  TransactionResult,
  Watcher,
} from 'node-zookeeper-client';

export const { ACL: NzcACL, CreateMode, Event, Exception, Id, Permission } = zookeeper;
export type { Stat, TransactionResult, Watcher } from 'node-zookeeper-client';

const CONNECT_TIMEOUT_MS = 15_000;

function settle<T>(resolve: (value: T) => void, reject: (error: Error) => void) {
  return (error: Error | null, value: T): void => {
    if (error !== null && error !== undefined) reject(error);
    else resolve(value);
  };
}

export class NodeZkClient {
  private constructor(readonly raw: Client) {}

  static async connect(
    connectString: string,
    options: ClientOptions = {},
    timeoutMs = CONNECT_TIMEOUT_MS,
  ): Promise<NodeZkClient> {
    const raw = zookeeper.createClient(connectString, { sessionTimeout: 10_000, ...options });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        raw.close();
        reject(
          new Error(`node-zookeeper-client: no session with ${connectString} in ${timeoutMs} ms`),
        );
      }, timeoutMs);
      raw.once('connected', () => {
        clearTimeout(timer);
        resolve();
      });
      raw.connect();
    });
    return new NodeZkClient(raw);
  }

  /** The session id as ZooKeeper's 8-byte big-endian long. */
  get sessionId(): Buffer {
    return this.raw.getSessionId();
  }

  /** Closes the session and waits until the client reports it disconnected. */
  close(timeoutMs = 5_000): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.raw.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
      this.raw.close();
    });
  }

  addAuthInfo(scheme: string, auth: string): void {
    this.raw.addAuthInfo(scheme, Buffer.from(auth));
  }

  create(
    path: string,
    data: Buffer | null = null,
    mode: number = CreateMode.PERSISTENT,
    acls: ACL[] = NzcACL.OPEN_ACL_UNSAFE,
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      this.raw.create(path, data, acls, mode, settle(resolve, reject));
    });
  }

  remove(path: string, version = -1): Promise<void> {
    return new Promise((resolve, reject) => {
      this.raw.remove(path, version, (error) => settle(resolve, reject)(error, undefined));
    });
  }

  removeRecursive(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.raw.removeRecursive(path, -1, (error) => settle(resolve, reject)(error, undefined));
    });
  }

  setData(path: string, data: Buffer, version = -1): Promise<Stat> {
    return new Promise((resolve, reject) => {
      this.raw.setData(path, data, version, settle(resolve, reject));
    });
  }

  getData(path: string, watcher?: Watcher): Promise<{ data: Buffer | undefined; stat: Stat }> {
    return new Promise((resolve, reject) => {
      this.raw.getData(path, watcher, (error, data, stat) =>
        settle(resolve, reject)(error, { data, stat }),
      );
    });
  }

  setACL(path: string, acls: ACL[], version = -1): Promise<Stat> {
    return new Promise((resolve, reject) => {
      this.raw.setACL(path, acls, version, settle(resolve, reject));
    });
  }

  getACL(path: string): Promise<{ acls: ACL[]; stat: Stat }> {
    return new Promise((resolve, reject) => {
      this.raw.getACL(path, (error, acls, stat) => settle(resolve, reject)(error, { acls, stat }));
    });
  }

  exists(path: string, watcher?: Watcher): Promise<Stat | null> {
    return new Promise((resolve, reject) => {
      this.raw.exists(path, watcher, settle(resolve, reject));
    });
  }

  getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    return new Promise((resolve, reject) => {
      this.raw.getChildren(path, watcher, (error, children) =>
        settle(resolve, reject)(error, children),
      );
    });
  }

  mkdirp(path: string, data: Buffer | null = null): Promise<string> {
    return new Promise((resolve, reject) => {
      this.raw.mkdirp(
        path,
        data,
        NzcACL.OPEN_ACL_UNSAFE,
        CreateMode.PERSISTENT,
        settle(resolve, reject),
      );
    });
  }

  /**
   * Commits the ops `build` adds. Resolves with the per-op results either way: on failure the
   * package passes the first error and the results together, and both are returned.
   */
  commit(
    build: (transaction: Transaction) => void,
  ): Promise<{ error: Error | null; results: TransactionResult[] }> {
    const transaction = this.raw.transaction();
    build(transaction);
    return new Promise((resolve) => {
      transaction.commit((error, results) => resolve({ error, results: results ?? [] }));
    });
  }
}
