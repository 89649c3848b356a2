#!/usr/bin/python3
"""Drives kazoo (the Python ZooKeeper client, with its recipes) against one server.

Usage: kazoo_script.py HOST:PORT SCENARIO

Runs one scenario and prints what it observed as one JSON line, then `OK SCENARIO`. The
checks that only make sense inside the scenario (an expected exception, a value read back)
are asserted here; the ordering and exclusion properties are asserted by kazoo.test.ts on
the JSON. Any failure prints a traceback to stderr and exits 1. Run it with Debian's
/usr/bin/python3, which sees python3-kazoo.
"""

import json
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.exceptions import (
    BadVersionError,
    NoAuthError,
    NodeExistsError,
    NoNodeError,
    NotEmptyError,
)
from kazoo.security import ACL, OPEN_ACL_UNSAFE, Id, Permissions, make_digest_acl

SESSION_TIMEOUT_S = 10.0
START_TIMEOUT_S = 15.0
WAIT_TIMEOUT_S = 10.0


def connect(hosts):
    client = KazooClient(hosts=hosts, timeout=SESSION_TIMEOUT_S)
    client.start(timeout=START_TIMEOUT_S)
    return client


def expect_raises(kind, func, *args, **kwargs):
    try:
        func(*args, **kwargs)
    except kind:
        return
    raise AssertionError("expected %s from %s%r" % (kind.__name__, func.__name__, args))


def wait_for(condition, what):
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.01)


def basic(hosts):
    zk = connect(hosts)
    other = connect(hosts)
    root = "/kazoo-basic"
    zk.ensure_path(root + "/deep/path")
    zk.ensure_path(root + "/deep/path")  # idempotent
    assert zk.create(root + "/plain", b"v0") == root + "/plain"
    expect_raises(NodeExistsError, zk.create, root + "/plain", b"again")
    seq1 = zk.create(root + "/seq-", b"", sequence=True)
    seq2 = zk.create(root + "/seq-", b"", sequence=True)
    eph = zk.create(root + "/eph", b"e", ephemeral=True)
    eseq = zk.create(root + "/eseq-", b"", ephemeral=True, sequence=True)
    made = zk.create(root + "/made/by/makepath", b"m", makepath=True)
    data, stat = zk.get(root + "/plain")
    assert (data, stat.version) == (b"v0", 0)
    stat = zk.set(root + "/plain", b"v1", version=0)
    assert stat.version == 1
    expect_raises(BadVersionError, zk.set, root + "/plain", b"bad", version=0)
    children = sorted(zk.get_children(root))
    exists_before = zk.exists(root + "/plain") is not None
    ephemeral_owner_matches = zk.exists(eph).ephemeralOwner == zk.client_id[0]
    expect_raises(NotEmptyError, zk.delete, root + "/made")
    expect_raises(NoNodeError, zk.get, root + "/nothing")
    expect_raises(BadVersionError, zk.delete, root + "/plain", version=0)
    zk.delete(root + "/made", recursive=True)
    zk.delete(root + "/plain", version=1)
    seen_by_other = sorted(other.get_children(root))
    zk.stop()
    zk.close()
    after_close = sorted(other.get_children(root))
    other.delete(root, recursive=True)
    gone = other.exists(root) is None
    other.stop()
    other.close()
    return {
        "created": [seq1, seq2, eph, eseq, made],
        "children": children,
        "existsBefore": exists_before,
        "ephemeralOwnerMatches": ephemeral_owner_matches,
        "seenByOther": seen_by_other,
        "afterClose": after_close,
        "gone": gone,
    }


def watches(hosts):
    zk = connect(hosts)
    writer = connect(hosts)
    root = "/kazoo-watches"
    zk.ensure_path(root)
    log = []
    lock = threading.Lock()

    def record(entry):
        with lock:
            log.append(entry)

    @zk.DataWatch(root + "/node")
    def on_data(data, stat, event):
        kind = event.type if event is not None else "INITIAL"
        record(["data", kind, None if data is None else data.decode()])

    @zk.ChildrenWatch(root)
    def on_children(children):
        record(["children", sorted(children)])

    def settle(count):
        wait_for(lambda: len(log) >= count, "%d watch callbacks, have %r" % (count, log))

    settle(2)
    writer.create(root + "/node", b"a")
    settle(4)
    writer.set(root + "/node", b"b")
    settle(5)
    writer.create(root + "/other", b"")
    settle(6)
    writer.delete(root + "/node")
    settle(8)
    time.sleep(0.3)  # a duplicated notification would show up here
    with lock:
        observed = list(log)
    writer.delete(root, recursive=True)
    zk.stop()
    writer.stop()
    return {"log": observed}


def lock_recipe(hosts):
    rounds = 5
    clients = [connect(hosts) for _ in range(3)]
    state = {"holders": 0, "maxHolders": 0, "acquisitions": 0}
    guard = threading.Lock()
    order = []
    errors = []

    def contend(index, client):
        lock = client.Lock("/kazoo-lock", "contender-%d" % index)
        try:
            for _ in range(rounds):
                with lock:
                    with guard:
                        state["holders"] += 1
                        state["maxHolders"] = max(state["maxHolders"], state["holders"])
                        state["acquisitions"] += 1
                        order.append(index)
                    time.sleep(0.02)
                    with guard:
                        state["holders"] -= 1
        except Exception as error:  # reported, and the test fails on it
            errors.append(repr(error))

    threads = [threading.Thread(target=contend, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    left = clients[0].get_children("/kazoo-lock")
    clients[0].delete("/kazoo-lock", recursive=True)
    for client in clients:
        client.stop()
    return dict(state, order=order, errors=errors, leftOver=left, rounds=rounds)


def election(hosts):
    clients = [connect(hosts) for _ in range(3)]
    guard = threading.Lock()
    state = {"leaders": 0, "maxLeaders": 0}
    led = []
    seen_contenders = []

    def lead(index, elect):
        with guard:
            state["leaders"] += 1
            state["maxLeaders"] = max(state["maxLeaders"], state["leaders"])
            led.append("node-%d" % index)
        seen_contenders.append(elect.contenders())
        time.sleep(0.1)
        with guard:
            state["leaders"] -= 1

    elections = [c.Election("/kazoo-election", "node-%d" % i) for i, c in enumerate(clients)]
    threads = [
        threading.Thread(target=e.run, args=(lead, i, e)) for i, e in enumerate(elections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    clients[0].delete("/kazoo-election", recursive=True)
    for client in clients:
        client.stop()
    first = seen_contenders[0] if seen_contenders else []
    return dict(state, led=led, firstContenders=first)


def transaction(hosts):
    zk = connect(hosts)
    root = "/kazoo-txn"
    zk.ensure_path(root)
    zk.create(root + "/existing", b"x")
    tx = zk.transaction()
    tx.create(root + "/new", b"n")
    tx.set_data(root + "/existing", b"y", version=0)
    tx.check(root + "/existing", 1)
    tx.delete(root + "/existing", version=1)
    committed = tx.commit()
    describe = lambda r: r if isinstance(r, (str, bool)) else type(r).__name__
    ok_results = [describe(r) for r in committed]
    tx = zk.transaction()
    tx.create(root + "/never", b"")
    tx.check(root + "/new", 5)
    tx.set_data(root + "/new", b"z")
    failed = [describe(r) for r in tx.commit()]
    state = {
        "new": zk.get(root + "/new")[0].decode(),
        "neverExists": zk.exists(root + "/never") is not None,
        "existingExists": zk.exists(root + "/existing") is not None,
    }
    zk.delete(root, recursive=True)
    zk.stop()
    return {"committed": ok_results, "failed": failed, "state": state}


def auth(hosts):
    owner = connect(hosts)
    stranger = connect(hosts)
    owner.add_auth("digest", "kazoo:secret")
    acl = make_digest_acl("kazoo", "secret", all=True)
    owner.create("/kazoo-auth", b"private", acl=[acl])
    results = {"ownerRead": owner.get("/kazoo-auth")[0].decode()}
    expect_raises(NoAuthError, stranger.get, "/kazoo-auth")
    expect_raises(NoAuthError, stranger.set, "/kazoo-auth", b"no")
    stranger.add_auth("digest", "kazoo:wrong")
    expect_raises(NoAuthError, stranger.get, "/kazoo-auth")
    stranger.add_auth("digest", "kazoo:secret")
    results["strangerReadAfterAuth"] = stranger.get("/kazoo-auth")[0].decode()
    acls, _stat = owner.get_acls("/kazoo-auth")
    results["acls"] = [[a.perms, a.id.scheme, a.id.id] for a in acls]
    owner.set_acls("/kazoo-auth", OPEN_ACL_UNSAFE)
    owner.delete("/kazoo-auth")
    owner.stop()
    stranger.stop()
    return results


def sasl_client(hosts, username, password):
    options = {"mechanism": "DIGEST-MD5", "username": username, "password": password}
    client = KazooClient(hosts=hosts, timeout=SESSION_TIMEOUT_S, sasl_options=options)
    client.start(timeout=START_TIMEOUT_S)
    return client


def sasl(hosts):
    # The server's JAAS Server section has user_alice="alice-secret" (kazoo.test.ts).
    alice = sasl_client(hosts, "alice", "alice-secret")
    only_alice = ACL(Permissions.ALL, Id("sasl", "alice"))
    alice.create("/kazoo-sasl", b"mine", acl=[only_alice])
    results = {"aliceRead": alice.get("/kazoo-sasl")[0].decode()}
    anonymous = connect(hosts)
    expect_raises(NoAuthError, anonymous.get, "/kazoo-sasl")
    anonymous.stop()
    # A wrong password: whatever kazoo surfaces first (at start or on the first read).
    try:
        wrong = sasl_client(hosts, "alice", "wrong")
        try:
            wrong.get("/kazoo-sasl")
            results["wrongPassword"] = "read"
        except Exception as error:  # noqa: BLE001 - the class name is the observation
            results["wrongPassword"] = type(error).__name__
        finally:
            wrong.stop()
    except Exception as error:  # noqa: BLE001
        results["wrongPassword"] = type(error).__name__
    acls, _stat = alice.get_acls("/kazoo-sasl")
    results["acls"] = [[a.perms, a.id.scheme, a.id.id] for a in acls]
    alice.delete("/kazoo-sasl")
    alice.stop()
    return results


def tls(hosts):
    # Certificates made by kazoo.test.ts: KAZOO_TLS_DIR holds ca.pem, client.crt/.key.
    import os

    pki = os.environ["KAZOO_TLS_DIR"]
    client = KazooClient(
        hosts=hosts,
        timeout=SESSION_TIMEOUT_S,
        use_ssl=True,
        ca=os.path.join(pki, "warren-test-ca.pem"),
        certfile=os.path.join(pki, "client.crt"),
        keyfile=os.path.join(pki, "client.key"),
    )
    client.start(timeout=START_TIMEOUT_S)
    client.create("/kazoo-tls", b"over tls")
    results = {"read": client.get("/kazoo-tls")[0].decode()}
    client.delete("/kazoo-tls")
    client.stop()
    return results


SCENARIOS = {
    "basic": basic,
    "watches": watches,
    "lock": lock_recipe,
    "election": election,
    "transaction": transaction,
    "auth": auth,
    "sasl": sasl,
    "tls": tls,
}


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in SCENARIOS:
        sys.stderr.write("usage: kazoo_script.py HOST:PORT {%s}\n" % "|".join(SCENARIOS))
        return 2
    hosts, scenario = sys.argv[1], sys.argv[2]
    observed = SCENARIOS[scenario](hosts)
    print(json.dumps({"scenario": scenario, "observed": observed}))
    print("OK " + scenario)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
