"""The workload of a chaos run, driven through troupectl while the nemesis works.

Setup: a `chaos.receiver` on every node; a `chaos.sender` on node i for the receiver of each
other node j (monitored messaging with sequence numbers, per pair); global children
(`chaos.singleton`, named like their id, so they are also global name registrations); and, for
the memory check, a `chaos.flooder`. Then, until stopped: cross-node calls to the named children
through random nodes, new named children started from random nodes (registrations made during
faults), and samples of memory (RSS) and of every node's view of the children.
"""

from __future__ import annotations

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Optional

from history import History


@dataclass
class WorkloadOptions:
    send_interval_ms: int = 50
    children: int = 4            # started at setup
    extra_children: int = 2      # started during the run
    op_interval_s: float = 0.3
    sample_interval_s: float = 0.5
    flood: Optional[dict] = None  # {"from": "n1", "to": "n2", "per_tick": 200, "bytes": 1024, "tick_ms": 10}
    pairs: str = "all"            # "all" ordered pairs, or "ring" (i -> i+1)


def pid_node(pid: str) -> str:
    """`<n2.123.45>` -> `n2`."""
    return pid.strip("<>").split(".")[0]


@dataclass
class Workload:
    backend: object
    history: History
    options: WorkloadOptions
    rng: random.Random
    receivers: dict = field(default_factory=dict)   # node -> pid
    senders: dict = field(default_factory=dict)     # pid -> {"node", "target", "target_node"}
    flooders: dict = field(default_factory=dict)
    children: list = field(default_factory=list)    # ids started
    child_support: bool = True
    notes: list = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- setup ------------------------------------------------------------------------------------

    def spawn(self, node: str, type_: str, args=None, name: Optional[str] = None) -> Optional[str]:
        cmd = ["spawn", type_]
        if args is not None:
            cmd += ["--args", json.dumps(args)]
        if name:
            cmd += ["--name", name]
        r = self.backend.ctl_json(node, *cmd)
        pid = r.get("pid") if r else None
        self.history.add("op", op="spawn", node=node, type=type_, args=args, ok=pid is not None, pid=pid)
        return pid

    def start_child(self, node: str, cid: str) -> bool:
        r = self.backend.ctl(node, "start-child", "chaos.singleton", "--id", cid, "--name", cid, "--args", json.dumps(cid))
        ok = r.returncode == 0
        if "start-child" in r.stderr and ("not expected" in r.stderr or "unknown" in r.stderr.lower()):
            self.child_support = False
        self.history.add("op", op="start_child", node=node, id=cid, ok=ok, error=r.stderr.strip()[-300:] if not ok else None)
        if ok:
            self.children.append(cid)
        return ok

    def setup(self) -> None:
        nodes = self.backend.nodes()
        with ThreadPoolExecutor(4) as pool:
            for node, pid in zip(nodes, pool.map(lambda n: self.spawn(n, "chaos.receiver", name="chaos.rx"), nodes)):
                if pid:
                    self.receivers[node] = pid
            pairs = [(a, b) for a in nodes for b in nodes if a != b]
            if self.options.pairs == "ring":
                pairs = [(nodes[i], nodes[(i + 1) % len(nodes)]) for i in range(len(nodes))]
            pairs = [(a, b) for a, b in pairs if b in self.receivers]

            def spawn_sender(pair):
                a, b = pair
                return a, b, self.spawn(a, "chaos.sender", [self.receivers[b], self.options.send_interval_ms])
            for a, b, pid in pool.map(spawn_sender, pairs):
                if pid:
                    self.senders[pid] = {"node": a, "target": self.receivers[b], "target_node": b}
        for k in range(1, self.options.children + 1):
            self.start_child(nodes[(k - 1) % len(nodes)], f"g{k}")
            if not self.child_support:
                self.notes.append("troupectl has no start-child: global children are not exercised")
                break
        f = self.options.flood
        if f and f["to"] in self.receivers:
            pid = self.spawn(f["from"], "chaos.flooder", [self.receivers[f["to"]], f["per_tick"], f["bytes"], f["tick_ms"]])
            if pid:
                self.flooders[pid] = dict(f)

    # --- while the nemesis works -------------------------------------------------------------------

    def running_nodes(self) -> list[str]:
        return [n for n in self.backend.nodes() if self.backend.status(n) == "running"]

    def one_op(self) -> None:
        nodes = self.running_nodes()
        if not nodes:
            return
        node = self.rng.choice(nodes)
        extra = [c for c in self.children if c.startswith("w")]
        if self.child_support and len(extra) < self.options.extra_children and self.rng.random() < 0.15:
            self.start_child(node, f"w{len(extra) + 1}")
            return
        if not self.children:
            return
        cid = self.rng.choice(self.children)
        t0 = time.time()
        r = self.backend.ctl(node, "call", cid, "--type", "troupe.counter.inc", "--args", "[1]", "--json", timeout_ms=1500)
        value = None
        if r.returncode == 0:
            try:
                value = json.loads(r.stdout)["reply"]
            except (json.JSONDecodeError, KeyError):
                pass
        self.history.add("op", op="call", node=node, id=cid, ok=r.returncode == 0, value=value,
                         ms=round((time.time() - t0) * 1000), error=r.stderr.strip()[-200:] if r.returncode else None)

    def sample(self, i: int) -> None:
        rss = {n: self.backend.rss_kb(n) for n in self.backend.nodes()}
        self.history.add("sample", what="rss_kb", values=rss)
        nodes = self.running_nodes()
        if self.child_support and nodes and i % 2 == 0:
            node = nodes[(i // 2) % len(nodes)]
            view = self.backend.ctl_json(node, "children", timeout_ms=1500)
            if view is not None:
                self.history.add("sample", what="children", node=node,
                                 values={c["id"]: c.get("node") for c in view})

    def _loop(self, period: float, body) -> None:
        i = 0
        while not self._stop.is_set():
            try:
                body(i) if body.__code__.co_argcount == 2 else body()
            except Exception as ex:  # a workload hiccup must not end the run; it is recorded
                self.history.add("op", op="error", error=repr(ex))
            i += 1
            self._stop.wait(period)

    def start(self) -> None:
        self._stop.clear()
        self._threads = [threading.Thread(target=self._loop, args=(self.options.op_interval_s, self.one_op), daemon=True),
                         threading.Thread(target=self._loop, args=(self.options.sample_interval_s, self.sample), daemon=True)]
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=30)

    # --- the end ------------------------------------------------------------------------------------

    def report_of(self, pid: str) -> Optional[dict]:
        node = pid_node(pid)
        if node not in self.backend.nodes() or self.backend.status(node) != "running":
            return None
        r = self.backend.ctl_json(node, "call", pid, "--type", "chaos.report")
        try:
            return json.loads(r["reply"][0]) if r else None
        except (KeyError, IndexError, TypeError, json.JSONDecodeError):
            return None

    def collect_final(self) -> dict:
        """Every running node's members, names, children and processes, and every chaos actor's report."""
        final: dict = {"nodes": {}, "reports": {}}
        nodes = self.running_nodes()

        def node_state(node):
            return node, {"members": self.backend.ctl_json(node, "members"),
                          "names": self.backend.ctl_json(node, "names"),
                          "children": self.backend.ctl_json(node, "children") if self.child_support else None,
                          "ps": self.backend.ctl_json(node, "ps")}
        pids = list(self.receivers.values()) + list(self.senders) + list(self.flooders)
        with ThreadPoolExecutor(4) as pool:
            for node, st in pool.map(node_state, nodes):
                final["nodes"][node] = st
            for pid, rep in zip(pids, pool.map(self.report_of, pids)):
                final["reports"][pid] = rep
        final["status"] = {n: self.backend.status(n) for n in self.backend.nodes()}
        self.history.add("final", **final)
        return final
