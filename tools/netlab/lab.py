#!/usr/bin/env python3
"""The netlab library: `Lab`, one run of a Troupe cluster on network namespaces, and its faults.

The command line is netlab.py (docs/netlab.md); the chaos runner (tools/chaos) uses `Lab`
directly. Everything a run creates is named after its prefix `tl<pid>` and recorded in
`run_dir/state.json` before it is created, so `down` finds it all, from any process.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, Optional

REPO = Path(__file__).resolve().parents[2]
RUN_ROOT = Path(os.environ.get("NETLAB_ROOT", "/tmp/netlab"))
SUBNET = "10.77.0"
CLIENT_HOST = 100
PORT = 7000
HOOK_SERVICE = "troupe.link_faults"
HOOK_TYPE = "troupe.link_faults.set"


class LabError(Exception):
    """A netlab command could not be carried out."""


def sh(*cmd: str, check: bool = True, timeout: float = 20.0) -> subprocess.CompletedProcess:
    r = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise LabError(f"{' '.join(cmd)}: {r.stderr.strip() or r.stdout.strip()}")
    return r


def environment_problem() -> Optional[str]:
    """Why network namespaces cannot be used here, or None if they can."""
    if os.geteuid() != 0:
        return "netlab needs root (network namespaces, veth, iptables)"
    if not shutil.which("ip"):
        return "netlab needs iproute2 (`ip`)"
    name = f"tlprobe{os.getpid()}"
    r = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if r.returncode != 0:
        return f"cannot create a network namespace: {r.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return None


def process_alive(pid: int) -> bool:
    """True if `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError, ProcessLookupError):
        return False


def process_state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return "gone"


def rss_kb(pid: int) -> Optional[int]:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return None


def parse_nodes(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def partition_groups(kind: str, arg: Optional[str], n: int) -> tuple[list[list[int]], Optional[int]]:
    """The sides of a symmetric partition of hosts 1..n, and the bridge host if any."""
    every = list(range(1, n + 1))
    if kind == "halves":
        return [every[: n // 2], every[n // 2:]], None
    if kind == "majority":
        k = n // 2 + 1
        return [every[:k], every[k:]], None
    if kind == "isolate":
        i = int(arg)
        return [[i], [x for x in every if x != i]], None
    if kind == "bridge":
        i = int(arg)
        rest = [x for x in every if x != i]
        return [rest[: len(rest) // 2], rest[len(rest) // 2:]], i
    if kind == "groups":
        return [parse_nodes(g) for g in arg.split("/")], None
    raise LabError(f"unknown partition kind '{kind}'")


def partition_drops(kind: str, arg: Optional[str], arg2: Optional[str], n: int,
                    port: int = PORT) -> tuple[list[tuple[int, int, list[str]]], dict]:
    """A partition as drop rules: (host whose INPUT drops, host whose packets it drops, extra
    iptables matches), and the fault's description. Shared by netlab and the compose backend."""
    if kind in ("oneway", "stall"):
        src, dst = parse_nodes(arg), parse_nodes(arg2)
        extra = ["-p", "tcp", "--dport", str(port)] if kind == "stall" else []
        return [(b, a, extra) for b in dst for a in src], {"kind": "partition", "how": kind, "from": src, "to": dst}
    groups, bridge = partition_groups(kind, arg, n)
    drops = [(a, b, []) for gi, g in enumerate(groups) for other in groups[:gi] + groups[gi + 1:] for a in g for b in other]
    return drops, {"kind": "partition", "how": kind, "groups": groups, "bridge": bridge}


class Lab:
    """One run: its namespaces, its nodes and its faults, persisted in `run_dir/state.json`."""

    def __init__(self, run_dir: Path):
        self.run_dir = Path(run_dir)
        self.state_file = self.run_dir / "state.json"
        if not self.state_file.exists():
            raise LabError(f"no netlab run in {self.run_dir}")
        self.state = json.loads(self.state_file.read_text())
        self.procs: dict[str, subprocess.Popen] = {}  # nodes this Python process started (reaped here)

    # --- creation and teardown ------------------------------------------------------------------

    @classmethod
    def create(cls, n: int, build_dir: Path, profile: str = "default", cookie: str = "netlab",
               node_args: Iterable[str] = (), owner: Optional[int] = None, fault_hook: bool = True,
               wait: bool = True) -> "Lab":
        """Builds the network, starts every node and waits until each sees all the others."""
        if not 1 <= n <= 50:
            raise LabError("netlab up: between 1 and 50 hosts")
        problem = environment_problem()
        if problem:
            raise LabError(problem)
        build_dir = Path(build_dir).resolve()
        for b in ("troupe-node", "troupectl"):
            if not (build_dir / "tools" / b).exists():
                raise LabError(f"{build_dir}/tools/{b} not found: build it first (or pass --build DIR)")
        prefix = f"tl{os.getpid()}"
        run_dir = RUN_ROOT / prefix
        run_dir.mkdir(parents=True, exist_ok=True)
        state = {
            "prefix": prefix, "n": n, "build": str(build_dir), "profile": profile, "cookie": cookie,
            "node_args": list(node_args), "fault_hook": fault_hook, "created": time.time(),
            "bridge_ns": f"{prefix}-br", "client_ns": f"{prefix}-c", "client_ip": f"{SUBNET}.{CLIENT_HOST}",
            "namespaces": [], "watchdog": None, "faults": [], "netem": None,
            "nodes": {f"n{i}": {"index": i, "ns": f"{prefix}-n{i}", "ip": f"{SUBNET}.{i}",
                                "address": f"tcp://{SUBNET}.{i}:{PORT}", "pid": None, "status": "new",
                                "starts": 0, "log": str(run_dir / f"n{i}.log"),
                                "events": str(run_dir / f"n{i}.events")} for i in range(1, n + 1)},
        }
        (run_dir / "state.json").write_text(json.dumps(state, indent=1))
        lab = cls(run_dir)
        try:
            lab._build_network()
            lab.state["netem"] = lab._netem_available()
            lab.save()
            if owner:
                lab._start_watchdog(owner)
            for name in lab.node_names():
                lab.start(name, wait_ready=False)
            for name in lab.node_names():
                lab.wait_ready(name)
            if wait:
                lab.wait_converged(timeout=30)
        except BaseException:
            lab.down()
            raise
        lab.record("up", n=n, netem=lab.state["netem"])
        return lab

    def _build_network(self) -> None:
        s = self.state
        br = s["bridge_ns"]
        self._add_ns(br)
        sh("ip", "-n", br, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", br, "link", "set", "br0", "up")
        sh("ip", "-n", br, "link", "set", "lo", "up")
        hosts = [(n["ns"], n["ip"], f"v{n['index']}") for n in s["nodes"].values()]
        hosts.append((s["client_ns"], s["client_ip"], "vc"))
        for ns, ip, veth in hosts:
            self._add_ns(ns)
            sh("ip", "-n", br, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
            sh("ip", "-n", br, "link", "set", veth, "master", "br0")
            sh("ip", "-n", br, "link", "set", veth, "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
            if ns != s["client_ns"]:
                sh("ip", "netns", "exec", ns, "iptables", "-N", "NETLAB")
                sh("ip", "netns", "exec", ns, "iptables", "-A", "INPUT", "-j", "NETLAB")

    def _add_ns(self, ns: str) -> None:
        sh("ip", "netns", "add", ns)
        self.state["namespaces"].append(ns)
        self.save()

    def _netem_available(self) -> bool:
        ns = self.state["client_ns"]
        r = sh("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms", check=False)
        if r.returncode == 0:
            sh("ip", "netns", "exec", ns, "tc", "qdisc", "del", "dev", "lo", "root", check=False)
        return r.returncode == 0

    def _start_watchdog(self, owner: int) -> None:
        p = subprocess.Popen([sys.executable, str(Path(__file__).resolve().parent / "netlab.py"), "--run", str(self.run_dir),
                              "_watchdog", str(owner)], start_new_session=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.state["watchdog"] = p.pid
        self.save()

    def down(self, from_watchdog: bool = False) -> None:
        """Kills every process of the run (nodes, and anything else in its namespaces) and deletes
        the namespaces. Safe to call twice, and after a half-finished `up`."""
        for name, node in self.state["nodes"].items():
            if node.get("pid"):
                self._signal(node["pid"], signal.SIGCONT)
                self._signal(node["pid"], signal.SIGKILL)
        for ns in self.state["namespaces"]:
            r = sh("ip", "netns", "pids", ns, check=False)
            for pid in r.stdout.split():
                self._signal(int(pid), signal.SIGCONT)
                self._signal(int(pid), signal.SIGKILL)
        for name, p in self.procs.items():
            with contextlib.suppress(Exception):
                p.wait(timeout=5)
        for ns in reversed(self.state["namespaces"]):
            sh("ip", "netns", "del", ns, check=False)
        self.state["namespaces"] = []
        for node in self.state["nodes"].values():
            if node["status"] in ("running", "paused"):
                node["status"] = "stopped"
        wd = self.state.get("watchdog")
        self.state["watchdog"] = None
        self.record("down")
        self.save()
        if wd and not from_watchdog:
            self._signal(wd, signal.SIGKILL)

    @staticmethod
    def _signal(pid: int, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)

    # --- persistence and history ----------------------------------------------------------------

    def save(self) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, indent=1))
        tmp.replace(self.state_file)

    def record(self, action: str, **fields) -> dict:
        """Appends an event to the run's fault history (JSON lines) and returns it."""
        entry = {"t": round(time.time(), 6), "action": action, **fields}
        with open(self.run_dir / "netlab.history", "a") as f:
            f.write(json.dumps(entry) + "\n")
        return entry

    # --- nodes ----------------------------------------------------------------------------------

    def node_names(self) -> list[str]:
        return list(self.state["nodes"])

    def node(self, which) -> dict:
        name = which if isinstance(which, str) and which.startswith("n") else f"n{int(which)}"
        if name not in self.state["nodes"]:
            raise LabError(f"no node {which} (this run has n1..n{self.state['n']})")
        return self.state["nodes"][name]

    def name_of(self, which) -> str:
        return f"n{self.node(which)['index']}"

    def start(self, which, wait_ready: bool = True) -> None:
        """Starts (or restarts, as a new incarnation) the node of host `which`."""
        node, name = self.node(which), self.name_of(which)
        if node["pid"] and process_alive(node["pid"]):
            raise LabError(f"{name} is already running (pid {node['pid']})")
        seeds = [n["address"] for n in self.state["nodes"].values() if n is not node][:3]
        cmd = ["ip", "netns", "exec", node["ns"], str(Path(self.state["build"]) / "tools" / "troupe-node"),
               "--name", name, "--listen", node["address"], "--cookie", self.state["cookie"],
               "--profile", self.state["profile"]]
        if seeds:
            cmd += ["--seeds", ",".join(seeds)]
        if self.state.get("fault_hook"):
            cmd += ["--allow-fault-injection"]
        cmd += self.state["node_args"]
        env = dict(os.environ, TROUPE_CHAOS_LOG=node["events"])
        log = open(node["log"], "a")
        log.write(f"--- netlab: start {name} at {time.time():.3f}: {' '.join(cmd)}\n")
        log.flush()
        offset = os.path.getsize(node["log"])  # now: the node may print its ready line before Popen returns
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True)
        log.close()
        self.procs[name] = p
        node.update(pid=p.pid, status="running", starts=node["starts"] + 1, log_offset=offset)
        self.save()
        self.record("start", node=name, pid=p.pid)
        if wait_ready:
            self.wait_ready(name)

    def wait_ready(self, which, timeout: float = 15.0) -> str:
        """Waits for the node's ready line; returns it."""
        node, name = self.node(which), self.name_of(which)
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(node["log"]) as f:
                f.seek(node.get("log_offset", 0))
                for line in f:
                    if line.startswith(f"troupe-node {name} ready"):
                        node["ready"] = line.strip()
                        self.save()
                        return line.strip()
            if not process_alive(node["pid"]):
                raise LabError(f"{name} exited before it was ready; see {node['log']}")
            time.sleep(0.05)
        raise LabError(f"{name} not ready within {timeout} s; see {node['log']}")

    def _reap(self, name: str) -> None:
        p = self.procs.get(name)
        if p:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=5)

    def kill(self, which) -> None:
        node, name = self.node(which), self.name_of(which)
        self._signal(node["pid"], signal.SIGKILL)
        self._reap(name)
        node["status"] = "killed"
        self.save()
        self.record("kill", node=name, pid=node["pid"])

    def pause(self, which) -> None:
        node, name = self.node(which), self.name_of(which)
        self._signal(node["pid"], signal.SIGSTOP)
        node["status"] = "paused"
        self.save()
        self.record("pause", node=name)

    def resume(self, which) -> None:
        node, name = self.node(which), self.name_of(which)
        self._signal(node["pid"], signal.SIGCONT)
        node["status"] = "running"
        self.save()
        self.record("resume", node=name)

    def crashed(self) -> list[str]:
        """Nodes that should be running but whose process is gone (nobody killed them)."""
        out = []
        for name, node in self.state["nodes"].items():
            if node["status"] in ("running", "paused") and not process_alive(node["pid"]):
                out.append(name)
        return out

    def rss_kb(self, which) -> Optional[int]:
        node = self.node(which)
        return rss_kb(node["pid"]) if node["pid"] and process_alive(node["pid"]) else None

    # --- troupectl --------------------------------------------------------------------------------

    def ctl(self, which, *args: str, timeout_ms: int = 3000, check: bool = False) -> subprocess.CompletedProcess:
        """Runs troupectl against node `which` from the client namespace."""
        node = self.node(which)
        cmd = ["ip", "netns", "exec", self.state["client_ns"], str(Path(self.state["build"]) / "tools" / "troupectl"),
               "--node", node["address"], "--cookie", self.state["cookie"], "--timeout-ms", str(timeout_ms),
               "--listen", f"tcp://{self.state['client_ip']}:*", *args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_ms / 1000 * 3 + 5)
        if check and r.returncode != 0:
            raise LabError(f"troupectl {' '.join(args)} on {self.name_of(which)}: {r.stderr.strip()}")
        return r

    def ctl_json(self, which, *args: str, timeout_ms: int = 3000):
        """troupectl ... --json, parsed; None when the command failed."""
        r = self.ctl(which, *args, "--json", timeout_ms=timeout_ms)
        if r.returncode != 0:
            return None
        try:
            return json.loads(r.stdout)
        except json.JSONDecodeError:
            return None

    def members_seen(self, which) -> Optional[dict]:
        m = self.ctl_json(which, "members")
        return None if m is None else {x["name"]: x["state"] for x in m}

    def wait_converged(self, timeout: float = 30.0, nodes: Optional[list[str]] = None) -> None:
        """Waits until every running node sees every running node up."""
        deadline = time.time() + timeout
        last = {}
        while time.time() < deadline:
            live = nodes or [n for n, v in self.state["nodes"].items() if v["status"] == "running"]
            ok = True
            for name in live:
                seen = self.members_seen(name)
                last[name] = seen
                if seen is None or any(seen.get(other) != "up" for other in live):
                    ok = False
                    break
            if ok:
                return
            time.sleep(0.2)
        raise LabError(f"the cluster did not converge within {timeout} s; last views: {last}")

    # --- faults -----------------------------------------------------------------------------------

    def _iptables(self, which, *rule: str) -> None:
        sh("ip", "netns", "exec", self.node(which)["ns"], "iptables", *rule)

    def partition(self, kind: str, arg: Optional[str] = None, arg2: Optional[str] = None) -> dict:
        """Cuts the network. Symmetric kinds: halves, majority, isolate I, bridge I (I sees both
        sides, which do not see each other), groups A/B[/C]; `oneway A B`: packets from the
        nodes A to the nodes B are dropped (B still reaches A); `stall A B`: the connections the
        nodes A open to the nodes B carry nothing (their packets to B's listening port are
        dropped), while the connections B opens to A work both ways — a connection stalled one
        way, which only B can notice. The client host is never cut."""
        drops, fault = partition_drops(kind, arg, arg2, self.state["n"])
        for at, source, extra in drops:
            self._iptables(at, "-A", "NETLAB", "-s", self.node(source)["ip"], *extra, "-j", "DROP")
        fault["mechanism"] = "iptables"
        self.state["faults"].append(fault)
        self.save()
        return self.record("partition", **fault)

    def _pairs(self, nodes: Optional[list[int]]) -> list[int]:
        return nodes or list(range(1, self.state["n"] + 1))

    def delay(self, ms: int, jitter: int = 0, nodes: Optional[list[int]] = None) -> dict:
        """Delays everything the given nodes send (all by default)."""
        if self.state["netem"]:
            for i in self._pairs(nodes):
                spec = ["delay", f"{ms}ms"] + ([f"{jitter}ms"] if jitter else [])
                sh("ip", "netns", "exec", self.node(i)["ns"], "tc", "qdisc", "replace", "dev", "eth0", "root", "netem", *spec)
            mechanism = "netem"
        else:
            self._hook(nodes, delay_ms=ms, jitter_ms=jitter)
            mechanism = "transport hook (no netem in this kernel)"
        fault = {"kind": "delay", "ms": ms, "jitter": jitter, "nodes": self._pairs(nodes), "mechanism": mechanism}
        self.state["faults"].append(fault)
        self.save()
        return self.record("delay", **fault)

    def loss(self, p: float, nodes: Optional[list[int]] = None, via: str = "auto") -> dict:
        """Drops a fraction `p` of the packets the given nodes receive (all by default)."""
        if not 0 <= p <= 1:
            raise LabError("loss: a probability between 0 and 1")
        if via == "auto":
            via = "netem" if self.state["netem"] else "iptables"
        for i in self._pairs(nodes):
            if via == "netem":
                sh("ip", "netns", "exec", self.node(i)["ns"], "tc", "qdisc", "replace", "dev", "eth0", "root", "netem",
                   "loss", f"{p * 100}%")
            elif via == "iptables":
                self._iptables(i, "-A", "NETLAB", "-m", "statistic", "--mode", "random", "--probability", str(p), "-j", "DROP")
        if via == "hook":
            self._hook(nodes, loss=p)
        mechanism = {"netem": "netem", "iptables": "iptables statistic (no netem in this kernel)",
                     "hook": "transport hook"}[via]
        fault = {"kind": "loss", "p": p, "nodes": self._pairs(nodes), "mechanism": mechanism}
        self.state["faults"].append(fault)
        self.save()
        return self.record("loss", **fault)

    def _hook(self, nodes: Optional[list[int]], delay_ms: int = 0, jitter_ms: int = 0, loss: float = 0.0) -> None:
        if not self.state.get("fault_hook"):
            raise LabError("no netem here and the nodes run without --allow-fault-injection (netlab up --no-fault-hook)")
        for i in self._pairs(nodes):
            if self.node(i)["status"] != "running":
                continue
            args = json.dumps(["*", int(delay_ms), int(jitter_ms), float(loss)])
            r = self.ctl(i, "call", HOOK_SERVICE, "--type", HOOK_TYPE, "--args", args, timeout_ms=10000)
            if r.returncode != 0:
                raise LabError(f"fault hook on n{i}: {r.stderr.strip()}")

    def heal(self) -> dict:
        """Removes every cut, delay and loss."""
        for name, node in self.state["nodes"].items():
            sh("ip", "netns", "exec", node["ns"], "iptables", "-F", "NETLAB", check=False)
            if self.state["netem"]:
                sh("ip", "netns", "exec", node["ns"], "tc", "qdisc", "del", "dev", "eth0", "root", check=False)
        failed = []
        if any(f["kind"] in ("delay", "loss") and "hook" in f["mechanism"] for f in self.state["faults"]):
            for name, node in self.state["nodes"].items():
                if node["status"] == "running":
                    r = self.ctl(name, "call", HOOK_SERVICE, "--type", HOOK_TYPE, "--args", json.dumps(["*", 0, 0, 0.0]),
                                 timeout_ms=10000)
                    if r.returncode != 0:
                        failed.append(f"{name}: {r.stderr.strip()}")
        self.state["faults"] = []
        self.save()
        entry = self.record("heal", failed=failed or None)
        if failed:
            raise LabError("heal could not clear the transport hook on " + "; ".join(failed))
        return entry

    def status(self) -> dict:
        nodes = {}
        for name, node in self.state["nodes"].items():
            alive = bool(node["pid"]) and process_alive(node["pid"])
            nodes[name] = {"address": node["address"], "pid": node["pid"], "status": node["status"],
                           "alive": alive, "state": process_state(node["pid"]) if node["pid"] else "-",
                           "rss_kb": self.rss_kb(name) if alive else None, "starts": node["starts"]}
        return {"run": str(self.run_dir), "prefix": self.state["prefix"], "netem": self.state["netem"],
                "faults": self.state["faults"], "nodes": nodes, "client_ns": self.state["client_ns"]}
