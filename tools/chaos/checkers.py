"""The invariant checkers of a chaos run (docs/chaos.md).

Inputs: the history (faults with their times, workload operations, samples, the final state of
every node) and the chaos actors' event logs (starts and stops of global children, monitors,
DOWNs, sequence gaps and reorders), which survive a SIGKILL. Each checker returns a `Check`:
passed or not, what it looked at, and every violation found. Anomalies the design documents as
known windows (docs/global_supervisor.md: a one-way cut, a paused node) are reported as
warnings, not hidden and not counted as failures.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Optional

from workload import pid_node

CRASH_PATTERNS = re.compile(r"terminate called|Assertion .* failed|Segmentation fault|AddressSanitizer|"
                            r"ThreadSanitizer|runtime error:|TROUPE_ASSERT|core dumped")


@dataclass
class Check:
    name: str
    what: str
    passed: bool = True
    checked: int = 0
    violations: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    skipped: Optional[str] = None

    def fail(self, msg: str) -> None:
        self.passed = False
        self.violations.append(msg)


@dataclass
class Timeline:
    """Fault intervals derived from the history: when each node was down, paused, cut."""
    start: float
    end: float
    kills: dict = field(default_factory=lambda: defaultdict(list))    # node -> [kill times]
    pauses: list = field(default_factory=list)                        # (node, from, to)
    oneway: list = field(default_factory=list)                        # (from, to)
    partitions: list = field(default_factory=list)                    # (from, to, fault)

    @classmethod
    def from_history(cls, faults: list[dict], start: float, end: float) -> "Timeline":
        tl = cls(start, end)
        paused_at, cut_at = {}, []
        for f in faults:
            a, t = f["action"], f["t"]
            if a == "kill":
                tl.kills[f["node"]].append(t)
            elif a == "pause":
                paused_at[f["node"]] = t
            elif a == "resume" and f["node"] in paused_at:
                tl.pauses.append((f["node"], paused_at.pop(f["node"]), t))
            elif a == "partition":
                cut_at.append(f)
            elif a == "heal":
                for c in cut_at:
                    tl.partitions.append((c["t"], t, c))
                    if c.get("how") == "oneway":
                        tl.oneway.append((c["t"], t))
                cut_at = []
        for node, t in paused_at.items():
            tl.pauses.append((node, t, end))
        for c in cut_at:
            tl.partitions.append((c["t"], end, c))
        return tl

    def known_window(self, t0: float, t1: float, slack: float = 3.0) -> Optional[str]:
        """A documented window overlapping [t0, t1]: a pause or a one-way cut (plus `slack`)."""
        for node, a, b in self.pauses:
            if a <= t1 and t0 <= b + slack:
                return f"{node} paused {a - self.start:.1f}-{b - self.start:.1f} s"
        for a, b in self.oneway:
            if a <= t1 and t0 <= b + slack:
                return f"one-way cut {a - self.start:.1f}-{b - self.start:.1f} s"
        return None

    def killed_after(self, node: str, t: float) -> Optional[float]:
        later = [k for k in self.kills.get(node, []) if k >= t]
        return min(later) if later else None


def _events(events: list[dict], ev: str) -> list[dict]:
    return [e for e in events if e.get("ev") == ev]


# --- global children ------------------------------------------------------------------------------

def child_intervals(events: list[dict], tl: Timeline) -> dict[str, list[dict]]:
    """Per child id, every copy that ran: node, pid, from, to (None: still running)."""
    copies: dict[str, dict] = {}
    for e in sorted(events, key=lambda e: e["t"]):
        if e.get("ev") == "child_start":
            copies[e["pid"]] = {"id": e["id"], "node": e["node"], "pid": e["pid"], "from": e["t"], "to": None, "end": "running"}
        elif e.get("ev") == "child_stop" and e["pid"] in copies:
            copies[e["pid"]].update(to=e["t"], end=e.get("reason", "stopped"))
    for c in copies.values():
        if c["to"] is None:
            k = tl.killed_after(c["node"], c["from"])
            if k is not None:
                c.update(to=k, end="node killed")
    out = defaultdict(list)
    for c in copies.values():
        out[c["id"]].append(c)
    return out


def check_children_once(events, tl: Timeline, final: dict, quorum: bool, child_ids: list[str]) -> Check:
    ch = Check("global children run once",
               "from the children's start/stop events: no two copies of a child overlap in time"
               + (" (quorum mode: not even during a partition)" if quorum else " (no quorum mode: only after the heal)")
               + "; at the end exactly one copy runs, where every node's `children` says")
    if not child_ids:
        ch.skipped = "no global children were started (troupectl start-child unavailable?)"
        return ch
    intervals = child_intervals(events, tl)
    eps = 0.002
    for cid in child_ids:
        copies = sorted(intervals.get(cid, []), key=lambda c: c["from"])
        ch.checked += 1
        for i, a in enumerate(copies):
            for b in copies[i + 1:]:
                a_to = a["to"] if a["to"] is not None else tl.end
                b_to = b["to"] if b["to"] is not None else tl.end
                if b["from"] < a_to - eps:
                    msg = (f"{cid}: {a['pid']} on {a['node']} ({tl_rel(tl, a['from'])}-{tl_rel(tl, a['to'])}) overlaps "
                           f"{b['pid']} on {b['node']} ({tl_rel(tl, b['from'])}-{tl_rel(tl, b['to'])}) "
                           f"for {min(a_to, b_to) - b['from']:.2f} s")
                    window = tl.known_window(b["from"], a_to)
                    if not quorum and any(p[0] <= a_to and b["from"] <= p[1] for p in tl.partitions):
                        ch.warnings.append(msg + " [no quorum mode: allowed during a partition]")
                    elif window:
                        ch.warnings.append(msg + f" [known window: {window}; docs/global_supervisor.md]")
                    else:
                        ch.fail(msg)
        running = [c for c in copies if c["to"] is None]
        if len(running) != 1:
            ch.fail(f"{cid}: {len(running)} copies running at the end ({', '.join(c['pid'] + '@' + c['node'] for c in running)})")
        views = {node: {c["id"]: c.get("pid") for c in (st.get("children") or [])} for node, st in final["nodes"].items()}
        seen = {v.get(cid) for v in views.values()}
        if len(seen) != 1:
            ch.fail(f"{cid}: nodes disagree on where it runs: " + ", ".join(f"{n}: {v.get(cid)}" for n, v in views.items()))
        elif running and running[0]["pid"] not in seen:
            ch.fail(f"{cid}: every node says {seen.pop()}, but the running copy is {running[0]['pid']}")
    return ch


def tl_rel(tl: Timeline, t: Optional[float]) -> str:
    return "end" if t is None else f"{t - tl.start:.2f}s"


# --- global names ---------------------------------------------------------------------------------

def check_names(final: dict) -> Check:
    ch = Check("names resolve to one live process everywhere",
               "every global name in any node's registry maps to the same pid on every node, and that process is alive")
    views, alive = {}, set()
    for node, st in final["nodes"].items():
        names = st.get("names")
        if names is None:
            ch.fail(f"{node}: `names` did not answer")
            continue
        views[node] = {x["name"]: x["pid"] for x in (names.get("global") or [])}
        for p in st.get("ps") or []:
            alive.add(p["pid"])
    every = set().union(*views.values()) if views else set()
    for name in sorted(every):
        ch.checked += 1
        holders = {node: v.get(name) for node, v in views.items()}
        if len(set(holders.values())) != 1:
            ch.fail(f"'{name}': " + ", ".join(f"{n} -> {p}" for n, p in holders.items()))
            continue
        holder = next(iter(holders.values()))
        if pid_node(holder) in final["nodes"] and holder not in alive:
            ch.fail(f"'{name}' -> {holder}, which is not alive on {pid_node(holder)}")
    return ch


# --- monitors -------------------------------------------------------------------------------------

def check_monitors(events, tl: Timeline, workload, final: dict) -> Check:
    ch = Check("monitors fire exactly once",
               "no monitor fires twice; every monitor on a process or node that was lost fired "
               "(senders on a killed receiver's node end with a DOWN; receivers get a DOWN for senders on killed nodes)")
    fired = defaultdict(int)
    for e in _events(events, "down"):
        fired[(e["pid"], e["ref"])] += 1
    for (pid, ref), n in fired.items():
        ch.checked += 1
        if n > 1:
            ch.fail(f"{pid}: monitor {ref} fired {n} times")
    for e in _events(events, "double_down"):
        ch.fail(f"{e['pid']}: monitor {e['ref']} on {e.get('who')} delivered a second DOWN")
    reports = final.get("reports", {})
    for pid, s in workload.senders.items():
        node, target_node = s["node"], s["target_node"]
        if tl.kills.get(node):
            continue  # the sender died with its node
        if not tl.kills.get(target_node):
            continue
        ch.checked += 1
        rep = reports.get(pid)
        if rep is None:
            ch.fail(f"sender {pid} did not report at the end")
        elif not rep.get("done"):
            ch.fail(f"sender {pid} on {node}: its target {s['target']} died with {target_node}, but its monitor "
                    f"{rep.get('active_monitor')} never fired a final DOWN (monitors {rep.get('monitors')}, fired {rep.get('fired')})")
    monitors = defaultdict(list)  # (receiver pid, target) -> [ref...]
    for e in _events(events, "monitor"):
        monitors[(e["pid"], e["target"])].append(e["ref"])
    for node, rx in workload.receivers.items():
        if tl.kills.get(node):
            continue
        for spid, s in workload.senders.items():
            if s["target"] != rx or not tl.kills.get(s["node"]):
                continue
            refs = monitors.get((rx, spid), [])
            if not refs:
                continue
            ch.checked += 1
            if fired.get((rx, refs[-1]), 0) != 1:
                ch.fail(f"receiver {rx} on {node}: its monitor {refs[-1]} on sender {spid} (on {s['node']}, killed) never fired")
    return ch


# --- FIFO -----------------------------------------------------------------------------------------

def check_fifo(events, final: dict) -> Check:
    ch = Check("per-pair FIFO, gaps only after noconnection",
               "each receiver saw every sender's numbers increase; each gap (lost messages) is matched by a "
               "noconnection DOWN at the sender (after the first lost number) or at the receiver")
    for e in _events(events, "reorder"):
        ch.fail(f"{e['pid']} got {e['n']} from {e['sender']} after {e['last']}")
    sender_downs = defaultdict(list)
    for e in _events(events, "down"):
        if e.get("reason") == "noconnection" and "sent" in e:
            sender_downs[e["pid"]].append(e)
    rx_downs = defaultdict(list)
    for e in _events(events, "down"):
        if e.get("reason") == "noconnection" and "sent" not in e:
            rx_downs[(e["pid"], e["who"])].append(e)
    gaps = sorted(_events(events, "gap"), key=lambda e: e["t"])
    used = set()
    last_gap_t = defaultdict(float)
    for g in gaps:
        ch.checked += 1
        s, a, b = g["sender"], g["a"], g["b"]
        match = next((d for d in sorted(sender_downs.get(s, []), key=lambda d: d["sent"])
                      if id(d) not in used and a + 1 <= d["sent"] <= b), None)
        if match is None:
            match = next((d for d in rx_downs.get((g["pid"], s), [])
                          if id(d) not in used and last_gap_t[(g["pid"], s)] < d["t"] <= g["t"]), None)
        last_gap_t[(g["pid"], s)] = g["t"]
        if match is None:
            ch.fail(f"{g['pid']} on {g['node']}: {s} jumped from {a} to {b} ({b - a - 1} lost) with no noconnection DOWN to explain it")
        else:
            used.add(id(match))
    reports = [r for r in final.get("reports", {}).values() if r]
    total = sum(st.get("received", 0) for r in reports if r.get("type") == "chaos.receiver" for st in r.get("streams", []))
    ch.warnings += [] if total else ["no sequence message was received at all"]
    return ch


# --- crashes and memory ---------------------------------------------------------------------------

def check_no_crash(backend, tl: Timeline) -> Check:
    ch = Check("no node crashed", "every node the nemesis did not kill is still running, and no log shows an abort")
    for node in backend.crashed():
        ch.fail(f"{node} is not running, and nobody killed it")
    for node, path in backend.node_logs().items():
        ch.checked += 1
        try:
            text = path.read_text(errors="replace")
        except FileNotFoundError:
            continue
        for m in CRASH_PATTERNS.finditer(text):
            line = text[text.rfind("\n", 0, m.start()) + 1: text.find("\n", m.end())]
            ch.fail(f"{node} log: {line.strip()[:200]}")
    return ch


def check_memory(samples: list[dict], budget_mb: Optional[int], flood: Optional[dict], cap_mb: int = 512) -> Check:
    ch = Check("memory stays bounded",
               f"RSS sampled every half second: no node above {cap_mb} MB"
               + (f"; the flooding node grows by at most {budget_mb} MB while its receiver is paused or slow"
                  if budget_mb else ""))
    series = defaultdict(list)
    for s in samples:
        if s.get("what") != "rss_kb":
            continue
        for node, kb in s["values"].items():
            if kb:
                series[node].append(kb)
    for node, values in series.items():
        ch.checked += 1
        if max(values) > cap_mb * 1024:
            ch.fail(f"{node}: RSS reached {max(values) / 1024:.0f} MB")
    if budget_mb and flood:
        v = series.get(flood["from"], [])
        if len(v) >= 2:
            growth = (max(v) - v[0]) / 1024
            ch.warnings.append(f"{flood['from']} (flooding): RSS {v[0] / 1024:.0f} MB at start, max {max(v) / 1024:.0f} MB "
                               f"(growth {growth:.0f} MB, budget {budget_mb} MB)")
            if growth > budget_mb:
                ch.fail(f"{flood['from']}: RSS grew by {growth:.0f} MB (budget {budget_mb} MB)")
    return ch
