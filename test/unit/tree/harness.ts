/** A tiny in-process driver for tree tests: prepare + apply without a server or a disk. */
import type { Id, SessionId } from '../../../src/protocol/records.js';
import type {
  MultiRequest,
  SetACLRequest,
  WriteSubRequest,
} from '../../../src/protocol/requests.js';
import { OPEN_ACL_UNSAFE } from '../../../src/tree/acl.js';
import { applyTxn, type ApplyResult } from '../../../src/tree/apply.js';
import { DataTree } from '../../../src/tree/data-tree.js';
import { Overlay } from '../../../src/tree/overlay.js';
import { prepareWrite } from '../../../src/tree/prepare.js';
import type { Txn } from '../../../src/tree/txn.js';

export class TreeHarness {
  readonly tree = new DataTree();
  readonly overlay = new Overlay(this.tree);
  zxid = 0;
  time = 1_000_000;
  ids: Id[] = [{ scheme: 'ip', id: '127.0.0.1' }];
  sessionId: SessionId = 0x1234n;
  extendedTypesEnabled = true;
  pathBytesMax = 4096;

  prepare(req: WriteSubRequest | SetACLRequest | MultiRequest): Txn {
    return prepareWrite(req, this.overlay, {
      zxid: ++this.zxid,
      time: ++this.time,
      sessionId: this.sessionId,
      ids: this.ids,
      extendedTypesEnabled: this.extendedTypesEnabled,
      pathBytesMax: this.pathBytesMax,
    });
  }

  apply(txn: Txn): ApplyResult {
    const result = applyTxn(this.tree, txn);
    this.overlay.applied(txn.zxid);
    return result;
  }

  run(req: WriteSubRequest | SetACLRequest | MultiRequest): { txn: Txn; result: ApplyResult } {
    const txn = this.prepare(req);
    return { txn, result: this.apply(txn) };
  }

  create(path: string, flags = 0, data: Buffer | null = Buffer.from('x')) {
    return this.run({ type: 15, path, data, acl: [...OPEN_ACL_UNSAFE], flags, ttl: -1 });
  }

  errOf(txn: Txn): number {
    return txn.body.type === 'error' ? txn.body.err : 0;
  }
}
