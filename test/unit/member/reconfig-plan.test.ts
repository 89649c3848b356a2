/**
 * The pure halves of dynamic reconfiguration. targetServers: the configuration a reconfig
 * request asks for (incremental joining/leaving, bulk new members), refusing no change, no
 * participant left and bad syntax. nextChange: one membership step at a time, in order: a
 * joining participant enters as a learner and is promoted once caught up (else wait), then
 * observers, then removals, the leader's own removal last as a transfer to the most
 * caught-up remaining voter.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Status } from '../../../src/consensus/node.js';
import type { ConfigData } from '../../../src/config/config-text.js';
import { nextChange, targetServers } from '../../../src/member/reconfig.js';
import type { ReconfigRequest } from '../../../src/protocol/requests.js';
import type { EnsembleServer } from '../../../src/config/config-ensemble.js';

function srv(id: number, role: EnsembleServer['role'] = 'participant'): EnsembleServer {
  return { id, host: `zk${id}`, peerPort: 2888, electionPort: 3888, role, clientPort: 2181 };
}

function line(s: EnsembleServer): string {
  return `server.${s.id}=${s.host}:${s.peerPort}:${s.electionPort}:${s.role};${s.clientPort}`;
}

function req(parts: Partial<ReconfigRequest>): ReconfigRequest {
  return {
    type: 16,
    joiningServers: '',
    leavingServers: '',
    newMembers: '',
    curConfigId: -1,
    ...parts,
  };
}

const current: ConfigData = { servers: [srv(1), srv(2), srv(3)], version: 5 };

describe('targetServers', () => {
  it('adds joining servers and removes leaving ones, sorted by id', () => {
    const joining = `${line(srv(5))},${line(srv(4, 'observer'))}`;
    assert.deepEqual(targetServers(current, req({ joiningServers: joining })), [
      srv(1),
      srv(2),
      srv(3),
      srv(4, 'observer'),
      srv(5),
    ]);
    assert.deepEqual(targetServers(current, req({ leavingServers: '2, 3' })), [srv(1)]);
    assert.deepEqual(
      targetServers(current, req({ joiningServers: line(srv(4)), leavingServers: '1' })),
      [srv(2), srv(3), srv(4)],
    );
  });

  it('a joining server already present replaces it (a role change)', () => {
    const target = targetServers(current, req({ joiningServers: line(srv(3, 'observer')) }));
    assert.deepEqual(target, [srv(1), srv(2), srv(3, 'observer')]);
  });

  it('a bulk member list replaces the configuration', () => {
    const newMembers = [srv(7), srv(2, 'observer'), srv(4)].map(line).join('\n');
    assert.deepEqual(targetServers(current, req({ newMembers })), [
      srv(2, 'observer'),
      srv(4),
      srv(7),
    ]);
    // Bulk wins over incremental lists given with it.
    const both = req({ newMembers: line(srv(9)), leavingServers: '9' });
    assert.deepEqual(targetServers(current, both), [srv(9)]);
  });

  it('does not modify the current configuration', () => {
    const before = structuredClone(current);
    targetServers(current, req({ leavingServers: '1', joiningServers: line(srv(8)) }));
    assert.deepEqual(current, before);
  });

  it('refuses no change, no participant left, and bad syntax, with a reason', () => {
    const cases: [ReconfigRequest, RegExp][] = [
      [req({}), /no change asked for/],
      [req({ joiningServers: ' , ', leavingServers: ' ' }), /no change asked for/],
      [req({ leavingServers: '1,2,3' }), /no participant would be left/],
      [
        req({ joiningServers: [1, 2, 3].map((id) => line(srv(id, 'observer'))).join(',') }),
        /no participant would be left/,
      ],
      [req({ leavingServers: '1,2,3', joiningServers: line(srv(4)) }), /^$/],
      [req({ newMembers: line(srv(4, 'observer')) }), /no participant would be left/],
      [req({ joiningServers: 'zk4:2888:3888' }), /not a server\.N=/],
      [req({ joiningServers: 'server.4=zk4:2888' }), /server\.4: expected host/],
      [req({ leavingServers: 'two' }), /'two' is not a server id/],
      [req({ newMembers: 'server.300=a:1:2' }), /'300' is not a server id/],
      [req({ newMembers: 'server.255=a:1:2' }), /server ids must be at most 254/],
      [req({ newMembers: `${line(srv(1))}\n${line(srv(1))}` }), /given twice/],
    ];
    for (const [request, reason] of cases) {
      const result = targetServers(current, request);
      if (reason.source === '^$') {
        assert.ok(Array.isArray(result), 'a valid swap of every participant is accepted');
        continue;
      }
      assert.equal(typeof result, 'string', JSON.stringify(request));
      assert.match(result as string, reason);
    }
  });
});

function status(
  voters: number[],
  learners: number[],
  match: Record<number, number>,
  lastIndex = 1000,
): Status {
  return {
    id: 1,
    term: 3,
    vote: 1,
    lead: 1,
    role: 'leader',
    commit: lastIndex,
    applied: lastIndex,
    lastIndex,
    membership: { voters, learners },
    match: new Map(Object.entries(match).map(([id, index]) => [Number(id), index])),
  };
}

describe('nextChange', () => {
  const three = [srv(1), srv(2), srv(3)];

  it('is done when the membership matches the target', () => {
    assert.equal(nextChange(three, status([1, 2, 3], [], {}), 1), 'done');
    const withObserver = [...three, srv(4, 'observer')];
    assert.equal(nextChange(withObserver, status([1, 2, 3], [4], {}), 1), 'done');
  });

  it('a joining participant enters as a learner, then is promoted once caught up', () => {
    const target = [...three, srv(4)];
    assert.deepEqual(nextChange(target, status([1, 2, 3], [], {}), 1), {
      type: 'addLearner',
      nodeId: 4,
    });
    assert.equal(nextChange(target, status([1, 2, 3], [4], {}), 1), 'wait');
    assert.equal(nextChange(target, status([1, 2, 3], [4], { 4: 899 }), 1), 'wait');
    assert.deepEqual(nextChange(target, status([1, 2, 3], [4], { 4: 900 }), 1), {
      type: 'addVoter',
      nodeId: 4,
    });
    assert.deepEqual(nextChange(target, status([1, 2, 3], [4], { 4: 1000 }), 1), {
      type: 'addVoter',
      nodeId: 4,
    });
    // A young log: a learner with nothing acknowledged is close enough.
    assert.deepEqual(nextChange(target, status([1, 2, 3], [4], {}, 50), 1), {
      type: 'addVoter',
      nodeId: 4,
    });
    assert.equal(nextChange(target, status([1, 2, 3, 4], [], {}), 1), 'done');
  });

  it('participants first, then observers, then removals', () => {
    const target = [srv(1), srv(2), srv(4, 'observer'), srv(5)];
    const steps: unknown[] = [];
    let voters = [1, 2, 3];
    let learners: number[] = [];
    for (let i = 0; i < 10; i++) {
      const step = nextChange(target, status(voters, learners, { 5: 1000 }), 1);
      steps.push(step);
      if (typeof step === 'string' || step.type === 'transfer') break;
      if (step.type === 'addLearner') learners = [...learners, step.nodeId];
      if (step.type === 'addVoter') {
        learners = learners.filter((id) => id !== step.nodeId);
        voters = [...voters, step.nodeId];
      }
      if (step.type === 'removeNode') {
        voters = voters.filter((id) => id !== step.nodeId);
        learners = learners.filter((id) => id !== step.nodeId);
      }
    }
    assert.deepEqual(steps, [
      { type: 'addLearner', nodeId: 5 },
      { type: 'addVoter', nodeId: 5 },
      { type: 'addLearner', nodeId: 4 },
      { type: 'removeNode', nodeId: 3 },
      'done',
    ]);
  });

  it('waits for a lagging joiner before anything else', () => {
    const target = [srv(1), srv(2), srv(4, 'observer'), srv(5)];
    assert.equal(nextChange(target, status([1, 2, 3], [5], { 5: 10 }), 1), 'wait');
  });

  it('demotes a participant that becomes an observer to a learner', () => {
    const target = [srv(1), srv(2), srv(3, 'observer')];
    assert.deepEqual(nextChange(target, status([1, 2, 3], [], {}), 1), {
      type: 'addLearner',
      nodeId: 3,
    });
    // The leader itself too (consensus hands leadership off once that applies).
    const selfDemoted = [srv(1, 'observer'), srv(2), srv(3)];
    assert.deepEqual(nextChange(selfDemoted, status([1, 2, 3], [], {}), 1), {
      type: 'addLearner',
      nodeId: 1,
    });
  });

  it('removes learners and voters that are not in the target, others before itself', () => {
    const target = [srv(2), srv(3)];
    assert.deepEqual(nextChange(target, status([1, 2, 3], [6], {}), 1), {
      type: 'removeNode',
      nodeId: 6,
    });
    assert.deepEqual(nextChange([srv(1), srv(2)], status([1, 2, 3], [], {}), 1), {
      type: 'removeNode',
      nodeId: 3,
    });
    const step = nextChange([srv(2)], status([1, 2, 3], [], {}), 1);
    assert.deepEqual(step, { type: 'removeNode', nodeId: 3 });
  });

  it('its own removal comes last, as a transfer to the most caught-up remaining voter', () => {
    const target = [srv(2), srv(3), srv(4), srv(5, 'observer')];
    const s = status([1, 2, 3, 4], [5], { 1: 1000, 2: 700, 3: 990, 4: 800, 5: 1000 });
    assert.deepEqual(nextChange(target, s, 1), { type: 'transfer', to: 3 });
    // An observer, however caught up, never inherits.
    const s2 = status([1, 2], [5], { 1: 1000, 2: 10, 5: 1000 });
    assert.deepEqual(nextChange([srv(2), srv(5, 'observer')], s2, 1), {
      type: 'transfer',
      to: 2,
    });
  });

  it('waits when no remaining participant is a voter yet', () => {
    // Only 1 votes; 2 is still a lagging learner: promote first, which means wait.
    const target = [srv(2)];
    assert.equal(nextChange(target, status([1], [2], { 2: 0 }), 1), 'wait');
  });
});
