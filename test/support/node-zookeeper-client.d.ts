// Types for the parts of node-zookeeper-client 1.1 (plain JavaScript, no bundled types) that
// the tests and benchmarks use. Longs (zxids, times, session ids) are 8-byte big-endian Buffers.
declare module 'node-zookeeper-client' {
  import { EventEmitter } from 'node:events';

  export interface Stat {
    czxid: Buffer;
    mzxid: Buffer;
    ctime: Buffer;
    mtime: Buffer;
    version: number;
    cversion: number;
    aversion: number;
    ephemeralOwner: Buffer;
    dataLength: number;
    numChildren: number;
    pzxid: Buffer;
  }

  export class Id {
    constructor(scheme: string, id: string);
    scheme: string;
    id: string;
    static ANYONE_ID_UNSAFE: Id;
    static AUTH_IDS: Id;
  }

  export class ACL {
    constructor(permission: number, id: Id);
    permission: number;
    id: Id;
    static OPEN_ACL_UNSAFE: ACL[];
    static CREATOR_ALL_ACL: ACL[];
    static READ_ACL_UNSAFE: ACL[];
  }

  export const Permission: {
    READ: 1;
    WRITE: 2;
    CREATE: 4;
    DELETE: 8;
    ADMIN: 16;
    ALL: 31;
  };

  export const CreateMode: {
    PERSISTENT: 0;
    EPHEMERAL: 1;
    PERSISTENT_SEQUENTIAL: 2;
    EPHEMERAL_SEQUENTIAL: 3;
  };

  export class Event {
    type: number;
    name: string;
    path: string;
    getType(): number;
    getName(): string;
    getPath(): string;
    static NODE_CREATED: 1;
    static NODE_DELETED: 2;
    static NODE_DATA_CHANGED: 3;
    static NODE_CHILDREN_CHANGED: 4;
  }

  export class Exception extends Error {
    code: number;
    path: string | undefined;
    getCode(): number;
    getName(): string;
    getPath(): string | undefined;
    static OK: 0;
    static RUNTIME_INCONSISTENCY: -2;
    static NO_NODE: -101;
    static NO_AUTH: -102;
    static BAD_VERSION: -103;
    static NO_CHILDREN_FOR_EPHEMERALS: -108;
    static NODE_EXISTS: -110;
    static NOT_EMPTY: -111;
    static INVALID_ACL: -114;
  }

  export class State {
    name: string;
    code: number;
    static DISCONNECTED: State;
    static SYNC_CONNECTED: State;
    static AUTH_FAILED: State;
    static EXPIRED: State;
  }

  export type Watcher = (event: Event) => void;
  type Callback<T> = (error: Exception | Error | null, result: T) => void;

  /** One entry per op of a multi; `err` is set on the ERROR (-1) entries of a failed one. */
  export interface TransactionResult {
    type: number;
    path?: string;
    stat?: Stat;
    err?: number;
  }

  export class Transaction {
    create(path: string, data?: Buffer | null, acls?: ACL[], mode?: number): Transaction;
    check(path: string, version?: number): Transaction;
    setData(path: string, data: Buffer | null, version?: number): Transaction;
    remove(path: string, version?: number): Transaction;
    commit(callback: Callback<TransactionResult[]>): void;
  }

  export interface ClientOptions {
    sessionTimeout?: number;
    spinDelay?: number;
    retries?: number;
  }

  export class Client extends EventEmitter {
    connect(): void;
    close(): void;
    getState(): State;
    getSessionId(): Buffer;
    getSessionTimeout(): number;
    addAuthInfo(scheme: string, auth: Buffer): void;
    create(
      path: string,
      data: Buffer | null,
      acls: ACL[],
      mode: number,
      callback: Callback<string>,
    ): void;
    remove(
      path: string,
      version: number,
      callback: (error: Exception | Error | null) => void,
    ): void;
    removeRecursive(
      path: string,
      version: number,
      callback: (error: Exception | Error | null) => void,
    ): void;
    setData(path: string, data: Buffer | null, version: number, callback: Callback<Stat>): void;
    getData(
      path: string,
      watcher: Watcher | undefined,
      callback: (error: Exception | Error | null, data: Buffer | undefined, stat: Stat) => void,
    ): void;
    setACL(path: string, acls: ACL[], version: number, callback: Callback<Stat>): void;
    getACL(
      path: string,
      callback: (error: Exception | Error | null, acls: ACL[], stat: Stat) => void,
    ): void;
    exists(path: string, watcher: Watcher | undefined, callback: Callback<Stat | null>): void;
    getChildren(
      path: string,
      watcher: Watcher | undefined,
      callback: (error: Exception | Error | null, children: string[], stat: Stat) => void,
    ): void;
    mkdirp(
      path: string,
      data: Buffer | null,
      acls: ACL[],
      mode: number,
      callback: Callback<string>,
    ): void;
    transaction(): Transaction;
  }

  export function createClient(connectionString: string, options?: ClientOptions): Client;

  const zookeeper: {
    createClient: typeof createClient;
    ACL: typeof ACL;
    Id: typeof Id;
    Permission: typeof Permission;
    CreateMode: typeof CreateMode;
    State: typeof State;
    Event: typeof Event;
    Exception: typeof Exception;
  };
  export default zookeeper;
}
