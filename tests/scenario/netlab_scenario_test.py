#!/usr/bin/env python3
"""Scenario tests (ctest label `scenario`): the network lab and a short chaos scenario.

    netlab_scenario_test.py BUILD_DIR lab     # up 3, isolate/heal, kill/start, stalled/one-way cuts, down
    netlab_scenario_test.py BUILD_DIR smoke   # the `smoke` chaos scenario; fails on any checker failure

Exit 77 (ctest SKIP_RETURN_CODE) with a clear message when this machine cannot make network
namespaces (not root, no iproute2, a container without the capability). Everything the test
makes is torn down in `finally`, and a watchdog tears it down too if this process is killed.
Waits poll the cluster's own view with a deadline; nothing sleeps in place of a condition.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "netlab"))
sys.path.insert(0, str(REPO / "tools" / "chaos"))
import lab as netlab  # noqa: E402

SKIP = 77


def eventually(what: str, predicate, timeout: float = 15.0):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what} (last: {last})")


def views_are(lab, expected: dict) -> bool:
    """Every node in `expected` sees exactly the given states (name -> {peer: state})."""
    for node, want in expected.items():
        seen = lab.members_seen(node)
        if seen is None or any(seen.get(peer) != state for peer, state in want.items()):
            return False
    return True


def read_from(path: str, offset: int) -> list[str]:
    with open(path) as f:
        f.seek(offset)
        return f.read().splitlines()


def timed_call(lab, node: str, target: str):
    """Seconds a troupectl call took, or None if it failed (a loaded machine can make the detector
    drop a peer for a moment: the caller retries)."""
    t0 = time.time()
    r = lab.ctl(node, "call", target, '"ping"')
    return time.time() - t0 if r.returncode == 0 else None


def assert_no_loss_after_meeting(lab, a: str, b: str, window: float = 2.5) -> None:
    """Once a and b have met again (their last log line about each other is a connection), neither
    loses the other within `window` seconds: the flap that followed a one-way cut."""
    def last_event(node, peer):
        lines = [l for l in read_from(lab.node(node)["log"], 0) if f"node '{peer}'" in l and ("lost" in l or "connected" in l)]
        return lines[-1] if lines else ""
    met = eventually(f"{a} and {b} connected again", lambda: all("connected" in last_event(x, y) for x, y in ((a, b), (b, a))))
    assert met
    time.sleep(window)  # a window in which nothing may happen (a loss would be logged)
    for x, y in ((a, b), (b, a)):
        assert "connected" in last_event(x, y), f"{x} lost {y} again after they met: {last_event(x, y)}"


def namespaces_of(prefix: str) -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(prefix + "-")]


def test_lab(build: Path) -> None:
    lab = netlab.Lab.create(3, build, owner=os.getpid())
    prefix, pids = lab.state["prefix"], []
    try:
        assert len(namespaces_of(prefix)) == 5, namespaces_of(prefix)  # bridge, 3 hosts, client
        print("lab: 3 nodes up and converged")
        lab.partition("isolate", "3")
        eventually("n3 cut from n1 and n2, both ways", lambda: views_are(
            lab, {"n1": {"n2": "up", "n3": "down"}, "n2": {"n1": "up", "n3": "down"}, "n3": {"n1": "down", "n2": "down"}}))
        time.sleep(2.0)  # the cut lasts: handshakes attempted meanwhile fall into TCP's SYN backoff
        offsets = {n: os.path.getsize(lab.node(n)["log"]) for n in ("n1", "n2", "n3")}
        lab.heal()
        healed_at = time.time()
        lab.wait_converged(timeout=15)
        # Regression: a handshake begun during the cut sat in TCP's SYN backoff after the heal, so
        # n3 stayed silent and n1, n2 lost it again ~0.65 s after meeting it. No loss may follow the heal.
        time.sleep(max(0.0, healed_at + 2.0 - time.time()))  # a window in which nothing may happen
        lost = [line for n, off in offsets.items() for line in read_from(lab.node(n)["log"], off) if "lost node 'n" in line]
        assert not lost, "a node was lost again after the heal: " + "; ".join(lost)
        print("lab: isolate + heal ok (no flap)")
        # Delay (netem, or the transport hook here): a call through n2 to a process on n1 waits for
        # n1's delayed answer. Regression: troupectl gave up on any node with a round trip over 200 ms.
        echo = json.loads(lab.ctl("n1", "spawn", "echo", "--json", check=True).stdout)["pid"]
        fault = lab.delay(300, nodes=[1])
        print(f"lab: delay via {fault['mechanism']}")
        slow = eventually("a call over the delayed link", lambda: timed_call(lab, "n2", echo))
        assert lab.members_seen("n1") is not None, "troupectl cannot reach a node behind a 300 ms link"
        lab.heal()
        fast = eventually("a call once healed", lambda: timed_call(lab, "n2", echo))
        assert slow >= 0.3, f"a call over a link delayed by 300 ms took {slow:.2f} s"
        print(f"lab: delay ok (call {slow:.2f} s delayed, {fast:.2f} s healed)")
        old = lab.node("n2")["pid"]
        lab.kill("n2")
        assert not netlab.process_alive(old)
        eventually("n2 seen down after SIGKILL", lambda: views_are(lab, {"n1": {"n2": "down"}, "n3": {"n2": "down"}}))
        lab.start("n2")
        lab.wait_converged(timeout=15)
        print("lab: kill + restart ok")
        # A connection stalled one way: what n1 sends on its connection to n2 goes nowhere, while
        # n2's connection to n1 works. Only n2 can notice (it hears nothing); when it reconnects,
        # its HELLO names the session it dropped, and n1 must take that as a loss. Regression: n1
        # kept n2 "up" for as long as the stall lasted, sending into the void, and after a heal
        # n2 lost n1 once more a detector timeout after meeting it again.
        lab.partition("stall", "1", "2")
        eventually("n1 learns that n2 dropped its stalled connection", lambda: views_are(lab, {"n1": {"n2": "down"}}), timeout=10)
        lab.heal()
        lab.wait_converged(timeout=15)
        assert_no_loss_after_meeting(lab, "n1", "n2")
        print("lab: one-way stalled connection seen by both sides; heal without a flap")
        # The same at the IP level, healed in the window where n2 has lost n1 but n1 has not
        # noticed yet (when the window is missed, both sides lost each other: no flap either).
        offset = os.path.getsize(lab.node("n2")["log"])
        lab.partition("oneway", "1", "2")  # n2 stops hearing n1 (n1 still hears n2, for a while)
        eventually("n2 loses n1", lambda: any("lost node 'n1'" in line for line in read_from(lab.node("n2")["log"], offset)))
        lab.heal()
        lab.wait_converged(timeout=15)
        assert_no_loss_after_meeting(lab, "n1", "n2")
        print("lab: one-way cut + heal ok (no flap)")
        pids = [n["pid"] for n in lab.state["nodes"].values()]
    finally:
        lab.down()
    assert namespaces_of(prefix) == [], f"namespaces left behind: {namespaces_of(prefix)}"
    left = [p for p in pids if netlab.process_alive(p)]
    assert not left, f"processes left behind: {left}"
    print("lab: down left no namespace and no process")


def test_smoke(build: Path) -> int:
    import chaos  # tools/chaos/chaos.py
    return chaos.main(["run", "smoke", "--build", str(build)])


def main() -> int:
    build, which = Path(sys.argv[1]), sys.argv[2]
    problem = netlab.environment_problem()
    if problem:
        print(f"SKIPPED: {problem}")
        return SKIP
    if which == "lab":
        test_lab(build)
        return 0
    return test_smoke(build)


if __name__ == "__main__":
    sys.exit(main())
