/**
 * The host contract of RaftNode (ready.ts): each Ready is acted on and advanced before more
 * input, an advanced node has nothing left to report, and hard state is reported only when
 * it changes. Checked on a single node, whose Readies are fully predictable.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssertionError } from '../../../src/util/assert.js';
import { Cluster } from './cluster.js';

describe('RaftNode', () => {
  it('refuses input between ready() and advance()', () => {
    const cluster = new Cluster([1]);
    const node = cluster.host(1).node;
    node.campaign();
    node.ready();
    assert.throws(() => node.tick(), AssertionError);
    assert.throws(() => node.propose(Buffer.from('x')), AssertionError);
    assert.throws(() => node.ready(), AssertionError);
  });

  it('reports nothing once every Ready is advanced, and hard state only on change', () => {
    const cluster = new Cluster([1]);
    cluster.campaign(1);
    const node = cluster.host(1).node;
    assert.ok(!node.hasReady());
    node.tick();
    assert.ok(!node.hasReady(), 'a heartbeat tick of a lone leader changes nothing');
    node.propose(Buffer.from('x'));
    const first = node.ready();
    assert.equal(first.hardState, undefined, 'appending alone does not change hard state');
    cluster.host(1).storage.append(first.entries);
    node.advance();
    const second = node.ready();
    assert.equal(second.hardState?.commit, 2);
    assert.deepEqual(
      second.committedEntries.map((e) => e.data.toString()),
      ['x'],
    );
    node.advance();
    assert.ok(!node.hasReady());
    assert.equal(node.status().applied, 2);
  });

  it('reports a role change in softState', () => {
    const cluster = new Cluster([1]);
    const node = cluster.host(1).node;
    node.campaign();
    const ready = node.ready();
    assert.deepEqual(ready.softState, { lead: 1, role: 'leader' });
  });
});
