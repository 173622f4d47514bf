#!/usr/bin/env python3
"""netlab: a Troupe cluster on Linux network namespaces, with faults on demand.

    netlab up 5                      # 5 hosts + a client namespace; prints `export NETLAB_RUN=...`
    netlab partition halves          # also: majority, isolate 3, bridge 3, oneway 1,2 3,4,5, stall 1 2, groups 1,2/3,4,5
    netlab heal
    netlab delay 80 --jitter 20      # every link (or --nodes 1,2); netem if the kernel has it, else the transport hook
    netlab loss 0.1                  # netem if present, else iptables `statistic` (packet loss)
    netlab kill 2 / netlab start 2 / netlab pause 3 / netlab resume 3
    netlab ctl 1 members             # troupectl from the client namespace against node 1
    netlab status
    netlab down                      # processes and namespaces gone

Layout of a run (prefix `tl<pid>`, unique per `up`, so parallel runs never collide):
- `<prefix>-br`: the bridge `br0`, in a namespace of its own; one veth per host plugged in it;
- `<prefix>-n<i>`: host i, `eth0` = 10.77.0.<i>/24, runs `troupe-node --name n<i>`;
- `<prefix>-c`: the client host (10.77.0.100) for troupectl and the workload; never cut.
Nothing is created in the machine's own namespace: every veth is made inside the bridge
namespace with its peer moved straight into the host's.

State lives in the run directory (state.json, a lock, node logs, the fault history
`netlab.history` as JSON lines), so separate invocations work; NETLAB_RUN (or --run) names it.
`down` always cleans up, a failed `up` tears down what it made, and with `--owner PID` a small
watchdog runs `down` when that process dies (tests pass their own pid).

Also a library: the chaos runner (tools/chaos) drives `Lab` directly.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lab import REPO, RUN_ROOT, Lab, LabError, parse_nodes, process_alive  # noqa: E402


# --- command line ---------------------------------------------------------------------------------

def find_run(explicit: Optional[str]) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get("NETLAB_RUN"):
        return Path(os.environ["NETLAB_RUN"])
    runs = [p.parent for p in RUN_ROOT.glob("tl*/state.json")
            if json.loads(p.read_text()).get("namespaces")]
    if len(runs) == 1:
        return runs[0]
    if not runs:
        raise LabError("no netlab run is up (netlab up N)")
    raise LabError("several runs are up: pass --run DIR or set NETLAB_RUN (" + ", ".join(map(str, runs)) + ")")


@contextlib.contextmanager
def locked(run: Path):
    with open(run / "lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def watchdog(run: Path, owner: int) -> None:
    """Runs `down` once `owner` is gone (a test that died without cleaning up)."""
    while process_alive(owner):
        if not (run / "state.json").exists():
            return
        time.sleep(0.5)
    with contextlib.suppress(Exception), locked(run):
        lab = Lab(run)
        if lab.state["namespaces"]:
            lab.record("watchdog", owner=owner)
            lab.down(from_watchdog=True)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="netlab", description=__doc__.split("\n")[0])
    ap.add_argument("--run", help="the run directory (default: $NETLAB_RUN, or the only run up)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="create N hosts and start a node on each")
    up.add_argument("n", type=int)
    up.add_argument("--build", default=os.environ.get("TROUPE_BUILD", str(REPO / "build")))
    up.add_argument("--profile", default="default", choices=["default", "aggressive"])
    up.add_argument("--cookie", default="netlab")
    up.add_argument("--owner", type=int, help="tear down when this process dies")
    up.add_argument("--no-fault-hook", action="store_true", help="do not pass --allow-fault-injection")
    up.add_argument("--no-wait", action="store_true", help="do not wait for the membership to converge")
    p = sub.add_parser("partition", help="halves | majority | isolate I | bridge I | groups A/B | oneway A B | stall A B")
    p.add_argument("kind", choices=["halves", "majority", "isolate", "bridge", "groups", "oneway", "stall"])
    p.add_argument("arg", nargs="?")
    p.add_argument("arg2", nargs="?")
    sub.add_parser("heal", help="remove every cut, delay and loss")
    d = sub.add_parser("delay", help="delay what nodes send")
    d.add_argument("ms", type=int)
    d.add_argument("--jitter", type=int, default=0)
    d.add_argument("--nodes", type=parse_nodes)
    lo = sub.add_parser("loss", help="drop a fraction of packets")
    lo.add_argument("p", type=float)
    lo.add_argument("--nodes", type=parse_nodes)
    lo.add_argument("--via", default="auto", choices=["auto", "netem", "iptables", "hook"])
    for name in ("kill", "start", "pause", "resume"):
        sub.add_parser(name, help=f"{name} node I").add_argument("node")
    c = sub.add_parser("ctl", help="troupectl against node I from the client namespace")
    c.add_argument("node")
    c.add_argument("args", nargs=argparse.REMAINDER)
    e = sub.add_parser("exec", help="run a command in host I's namespace (or 'client')")
    e.add_argument("node")
    e.add_argument("args", nargs=argparse.REMAINDER)
    sub.add_parser("status", help="nodes, faults, memory")
    # `netlab up N -- FLAGS` passes FLAGS to every troupe-node
    sub.add_parser("down", help="kill everything and delete the namespaces")
    wd = sub.add_parser("_watchdog")
    wd.add_argument("owner", type=int)
    node_args: list[str] = []
    if "--" in argv and "up" in argv[: argv.index("--")]:  # netlab up N ... -- MORE TROUPE-NODE FLAGS
        node_args = argv[argv.index("--") + 1:]
        argv = argv[: argv.index("--")]
    a = ap.parse_args(argv)

    if a.cmd == "up":
        extra = node_args

        def stop(signum, frame):
            raise SystemExit(128 + signum)
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        lab = Lab.create(a.n, Path(a.build), a.profile, a.cookie, extra, a.owner, not a.no_fault_hook, not a.no_wait)
        print(f"netlab: {a.n} hosts up in {lab.run_dir} (prefix {lab.state['prefix']}); "
              f"delay/loss use {'netem' if lab.state['netem'] else 'the fallback (no netem in this kernel)'}")
        for name, node in lab.state["nodes"].items():
            print(f"  {name}  {node['address']}  pid {node['pid']}  ns {node['ns']}")
        print(f"  client ns {lab.state['client_ns']} ({lab.state['client_ip']})")
        print(f"export NETLAB_RUN={lab.run_dir}")
        return 0

    run = find_run(a.run)
    if a.cmd == "_watchdog":
        watchdog(run, a.owner)
        return 0
    with locked(run):
        lab = Lab(run)
        if a.cmd == "down":
            lab.down()
            print(f"netlab: {run} down")
        elif a.cmd == "partition":
            f = lab.partition(a.kind, a.arg, a.arg2)
            print(f"netlab: partition {a.kind}: {json.dumps({k: v for k, v in f.items() if k not in ('t', 'action')})}")
        elif a.cmd == "heal":
            lab.heal()
            print("netlab: healed (cuts, delays and losses removed)")
        elif a.cmd == "delay":
            f = lab.delay(a.ms, a.jitter, a.nodes)
            print(f"netlab: delay {a.ms} ms (jitter {a.jitter}) on nodes {f['nodes']} via {f['mechanism']}")
        elif a.cmd == "loss":
            f = lab.loss(a.p, a.nodes, a.via)
            print(f"netlab: loss {a.p} on nodes {f['nodes']} via {f['mechanism']}")
        elif a.cmd in ("kill", "start", "pause", "resume"):
            getattr(lab, a.cmd)(a.node)
            print(f"netlab: {a.cmd} {lab.name_of(a.node)}")
        elif a.cmd == "ctl":
            r = lab.ctl(a.node, *[x for x in a.args if x != "--"])
            sys.stdout.write(r.stdout)
            sys.stderr.write(r.stderr)
            return r.returncode
        elif a.cmd == "exec":
            ns = lab.state["client_ns"] if a.node == "client" else lab.node(a.node)["ns"]
            return subprocess.call(["ip", "netns", "exec", ns, *[x for x in a.args if x != "--"]])
        elif a.cmd == "status":
            print(json.dumps(lab.status(), indent=1))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except LabError as ex:
        print(f"netlab: {ex}", file=sys.stderr)
        sys.exit(1)
