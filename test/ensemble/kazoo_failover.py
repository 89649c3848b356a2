#!/usr/bin/python3
"""Drives one kazoo session through the loss of the ensemble member it is connected to.

Usage: kazoo_failover.py HOSTS ROOT

HOSTS is the whole ensemble, the member to be killed first (kazoo is told not to shuffle,
so it connects there). The script creates ROOT/eph (ephemeral) and ROOT/data, prints
`READY <session id>`, and waits for a line on stdin (the test kills the member, then
writes `KILLED`). Then, retrying on connection loss as kazoo's recipes do, it writes
ROOT/data and reads ROOT/eph, prints what it observed as one JSON line and `OK failover`.
Any failure prints a traceback to stderr and exits 1. Run it with Debian's /usr/bin/python3,
which sees python3-kazoo.
"""

import json
import sys
import threading

from kazoo.client import KazooClient, KazooState
from kazoo.retry import KazooRetry

SESSION_TIMEOUT_S = 10.0
START_TIMEOUT_S = 30.0
RECONNECT_TIMEOUT_S = 30.0


def main(hosts, root):
    states = []
    connected = threading.Event()

    def listener(state):
        states.append(state)
        if state == KazooState.CONNECTED:
            connected.set()
        else:
            connected.clear()

    zk = KazooClient(hosts=hosts, timeout=SESSION_TIMEOUT_S, randomize_hosts=False)
    zk.add_listener(listener)
    zk.start(timeout=START_TIMEOUT_S)
    session_id = zk.client_id[0]
    zk.ensure_path(root)
    zk.create(root + "/eph", b"mine", ephemeral=True)
    zk.create(root + "/data", b"before")
    print("READY %d" % session_id, flush=True)

    if sys.stdin.readline().strip() != "KILLED":
        raise AssertionError("expected KILLED on stdin")
    retry = KazooRetry(max_tries=-1, delay=0.05, max_delay=0.5, deadline=RECONNECT_TIMEOUT_S)
    retry(zk.set, root + "/data", b"after")
    value, _ = retry(zk.get, root + "/data")
    eph = retry(zk.exists, root + "/eph")
    if not connected.wait(RECONNECT_TIMEOUT_S):
        raise AssertionError("kazoo did not reconnect")
    observed = {
        "sameSession": zk.client_id[0] == session_id,
        "ephemeralOwnerMatches": eph is not None and eph.ephemeralOwner == session_id,
        "data": value.decode(),
        "states": [str(s) for s in states],
    }
    zk.stop()
    zk.close()
    print(json.dumps({"scenario": "failover", "observed": observed}), flush=True)
    print("OK failover", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
