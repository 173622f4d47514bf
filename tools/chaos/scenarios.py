"""The chaos scenarios: how many nodes, which faults when, and what the workload does.

A schedule is a list of steps `(at seconds, action, *args)`; actions are the backend's:
partition KIND [A [B]], heal, kill NODE, start NODE, pause NODE, resume NODE, delay MS [JITTER],
loss P. Whatever the schedule leaves broken, the runner repairs at the end (heal, resume,
restart), then waits a quiet period before the checkers look.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Optional

from workload import WorkloadOptions


@dataclass
class Scenario:
    name: str
    description: str
    nodes: int
    schedule: list
    duration_s: float                 # the faults phase; the schedule fits in it
    quiet_s: float = 5.0
    profile: str = "default"
    workload: WorkloadOptions = field(default_factory=WorkloadOptions)
    memory_budget_mb: Optional[int] = None  # RSS growth allowed on the flooding node
    node_args: list = field(default_factory=list)


def _mixed(seed: int, nodes: int = 5, duration: float = 40.0) -> list:
    """A random schedule: a fault, held 3-6 s, then 2-4 s of calm, and again."""
    rng = random.Random(seed)
    t, steps = 1.0, []
    names = [f"n{i}" for i in range(1, nodes + 1)]
    while t < duration - 8:
        kind = rng.choice(["halves", "majority", "isolate", "bridge", "kill", "pause", "flaky"])
        hold = rng.uniform(3, 6)
        node = rng.choice(names)
        if kind in ("halves", "majority"):
            steps += [(t, "partition", kind), (t + hold, "heal")]
        elif kind in ("isolate", "bridge"):
            steps += [(t, "partition", kind, node[1:]), (t + hold, "heal")]
        elif kind == "kill":
            steps += [(t, "kill", node), (t + hold, "start", node)]
        elif kind == "pause":
            steps += [(t, "pause", node), (t + min(hold, 2.5), "resume", node)]
        else:
            steps += [(t, "delay", 40, 20), (t + 0.01, "loss", 0.05), (t + hold, "heal")]
        t += hold + rng.uniform(2, 4)
    return steps


def scenarios(seed: int = 1) -> dict[str, Scenario]:
    flood = {"from": "n1", "to": "n2", "per_tick": 100, "bytes": 4096, "tick_ms": 10}  # ~40 MB/s
    s = [
        Scenario("smoke", "3 nodes: one isolated, one killed and restarted, one paused briefly", 3,
                 [(2, "partition", "isolate", "3"), (6, "heal"), (8, "kill", "n2"), (10, "start", "n2"),
                  (12, "pause", "n3"), (12.6, "resume", "n3")], duration_s=14, quiet_s=4,
                 workload=WorkloadOptions(children=3, extra_children=1)),
        Scenario("partitions", "5 nodes: halves, a bridge node seeing both sides, majority/minority, one isolated", 5,
                 [(2, "partition", "halves"), (7, "heal"), (10, "partition", "bridge", "3"), (16, "heal"),
                  (19, "partition", "majority"), (24, "heal"), (27, "partition", "isolate", "1"), (32, "heal")],
                 duration_s=34),
        Scenario("oneway", "5 nodes: n1,n2 cannot reach n3,n4,n5 (they still reach n1,n2)", 5,
                 [(2, "partition", "oneway", "1,2", "3,4,5"), (9, "heal"), (12, "partition", "oneway", "3", "1,2,4,5"),
                  (18, "heal")], duration_s=20),
        Scenario("kill-restart", "5 nodes: nodes killed with SIGKILL and restarted, the seed included", 5,
                 [(2, "kill", "n2"), (6, "start", "n2"), (9, "kill", "n4"), (10, "kill", "n5"), (14, "start", "n4"),
                  (15, "start", "n5"), (18, "kill", "n1"), (22, "start", "n1")], duration_s=24),
        Scenario("pause", "5 nodes: SIGSTOP shorter and longer than the takeover grace", 5,
                 [(2, "pause", "n2"), (3, "resume", "n2"), (6, "pause", "n4"), (10, "resume", "n4")], duration_s=14),
        Scenario("flaky", "5 nodes: delay with jitter and packet loss, then a partition under them", 5,
                 [(1, "delay", 60, 30), (1.1, "loss", 0.05), (9, "partition", "halves"), (14, "heal")], duration_s=16),
        Scenario("slow-receiver", "3 nodes: n1 floods n2, which is paused (the slowest receiver), then reached over a 2 s delay", 3,
                 [(2, "pause", "n2"), (8, "resume", "n2"), (10, "delay", 2000, 0), (16, "heal")], duration_s=18,
                 workload=WorkloadOptions(children=2, extra_children=0, flood=flood),
                 memory_budget_mb=160, node_args=["--max-queued-mb", "32"]),
        Scenario("mixed", f"5 nodes: a random schedule from seed {seed}", 5, _mixed(seed), duration_s=40),
    ]
    return {x.name: x for x in s}
