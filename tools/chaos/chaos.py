#!/usr/bin/env python3
"""chaos: Jepsen-style scenarios against a real Troupe cluster, with invariant checks.

    tools/chaos/chaos list
    tools/chaos/chaos run smoke                         # netlab (network namespaces; root)
    tools/chaos/chaos run partitions --build build-x --seed 7
    tools/chaos/chaos run mixed --seed 42
    tools/chaos/chaos run kill-restart --backend compose

A run: bring the cluster up, set up the workload, start it, apply the scenario's faults on
schedule, then heal everything (cuts, delays, paused and killed nodes), wait for the membership
to converge and for a quiet period, collect every node's state, and check the invariants. The
history (`history.jsonl`) and a readable `report.md` go to the run directory, printed at the
end. Exit status: 0 every check passed, 1 a check failed, 77 the backend cannot run here
(skipped), 2 the run itself broke.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from backends import REPO, BackendUnavailable, ComposeBackend, NetlabBackend, Unsupported  # noqa: E402
from checkers import (Timeline, check_children_once, check_fifo, check_memory, check_monitors,  # noqa: E402
                      check_names, check_no_crash)
from history import History, read_events  # noqa: E402
from report import write_report  # noqa: E402
from scenarios import Scenario, scenarios  # noqa: E402
from workload import Workload  # noqa: E402

EXIT_PASS, EXIT_FAIL, EXIT_BROKEN, EXIT_SKIP = 0, 1, 2, 77


def apply_step(backend, history: History, step: tuple) -> None:
    action, args = step[1], [str(a) for a in step[2:]]
    try:
        if action in ("kill", "start", "pause", "resume"):
            result = getattr(backend, action)(args[0])
        elif action == "partition":
            result = backend.partition(*args)
        elif action == "heal":
            result = backend.heal()
        elif action == "delay":
            result = backend.delay(int(args[0]), int(args[1]) if len(args) > 1 else 0)
        elif action == "loss":
            result = backend.loss(float(args[0]))
        else:
            raise ValueError(f"unknown action {action}")
        history.add("fault", action=action, **{k: v for k, v in (result or {}).items() if k not in ("t", "action", "kind")})
    except Unsupported as ex:
        history.add("fault", action=action, skipped=f"unsupported on {backend.name}: {ex}")


def heal_everything(backend, history: History) -> None:
    """The end of every run: no cut, no delay, no paused or killed node."""
    apply_step(backend, history, (0, "heal"))
    for node in backend.nodes():
        st = backend.status(node)
        if st == "paused":
            apply_step(backend, history, (0, "resume", node))
        elif st == "killed":
            apply_step(backend, history, (0, "start", node))


def run(scenario: Scenario, make_backend, seed: int, verbose: bool = True) -> int:
    backend = make_backend(scenario)
    say = (lambda *a: print("chaos:", *a, flush=True)) if verbose else (lambda *a: None)
    say(f"{scenario.name} on {backend.name}, run dir {backend.run_dir}")
    history = History(backend.run_dir / "history.jsonl")
    notes: list[str] = []
    wl = None
    try:
        history.add("phase", phase="setup", scenario=scenario.name, seed=seed, nodes=scenario.nodes)
        wl = Workload(backend, history, scenario.workload, random.Random(seed))
        wl.setup()
        notes += wl.notes
        say(f"workload: {len(wl.receivers)} receivers, {len(wl.senders)} senders, children {wl.children}")
        history.add("phase", phase="faults")
        wl.start()
        t0 = time.time()
        for step in sorted(scenario.schedule, key=lambda s: s[0]):
            time.sleep(max(0.0, t0 + step[0] - time.time()))
            say(f"t={time.time() - t0:5.1f}s {' '.join(map(str, step[1:]))}")
            apply_step(backend, history, step)
        time.sleep(max(0.0, t0 + scenario.duration_s - time.time()))
        history.add("phase", phase="heal")
        say("heal everything")
        heal_everything(backend, history)
        if not backend.wait_converged(timeout=30):
            notes.append("the membership had not converged 30 s after the heal")
        history.add("phase", phase="quiet")
        time.sleep(scenario.quiet_s)  # the scenario's quiet period: no fault, the cluster settles
        wl.stop()
        history.add("phase", phase="final")
        final = wl.collect_final()
        end = time.time()
        events = list(read_events(backend.event_logs()))
        faults = history.entries("fault")
        tl = Timeline.from_history([dict(f, action=f["action"]) for f in faults if not f.get("skipped")], history.start, end)
        checks = [
            check_names(final),
            check_children_once(events, tl, final, quorum=scenario.nodes >= 3, child_ids=wl.children),
            check_monitors(events, tl, wl, final),
            check_fifo(events, final),
            check_no_crash(backend, tl),
            check_memory(history.entries("sample"), scenario.memory_budget_mb, scenario.workload.flood),
        ]
        for f in faults:
            if f.get("skipped"):
                notes.append(f"fault skipped: {f['action']} ({f['skipped']})")
        passed = all(c.passed for c in checks)
        write_report(backend.run_dir / "report.md", scenario, backend.name, backend.mechanisms(), history, checks, wl,
                     notes, passed)
        for c in checks:
            state = "skip" if c.skipped else ("ok  " if c.passed else "FAIL")
            say(f"[{state}] {c.name} ({c.checked} checked)" + "".join(f"\n        {v}" for v in c.violations[:10]))
        say(f"{'PASSED' if passed else 'FAILED'}; report: {backend.run_dir / 'report.md'}")
        return EXIT_PASS if passed else EXIT_FAIL
    except Exception:
        (backend.run_dir / "error.txt").write_text(traceback.format_exc())
        say(f"the run broke:\n{traceback.format_exc()}")
        return EXIT_BROKEN
    finally:
        if wl:
            wl.stop()
        history.close()
        backend.down()


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="chaos", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="the scenarios")
    r = sub.add_parser("run", help="run one scenario")
    r.add_argument("scenario")
    r.add_argument("--backend", default="netlab", choices=["netlab", "compose"])
    r.add_argument("--build", default=os.environ.get("TROUPE_BUILD", str(REPO / "build")))
    r.add_argument("--compose-file", default=str(REPO / "docker-compose.yml"))
    r.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    table = scenarios(getattr(a, "seed", 1))
    if a.cmd == "list":
        for s in table.values():
            print(f"{s.name:14} {s.nodes} nodes, ~{s.duration_s + s.quiet_s + 10:.0f} s: {s.description}")
        return 0
    if a.scenario not in table:
        print(f"chaos: no scenario '{a.scenario}' (chaos list)", file=sys.stderr)
        return EXIT_BROKEN

    def make_backend(s: Scenario):
        if a.backend == "compose":
            out = Path(os.environ.get("NETLAB_ROOT", "/tmp/netlab")) / f"chaos-compose-{os.getpid()}"
            return ComposeBackend(Path(a.compose_file), out, s.nodes, s.profile, Path(a.build))
        return NetlabBackend(s.nodes, Path(a.build), s.profile, os.getpid(), s.node_args)

    def stop(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    try:
        return run(table[a.scenario], make_backend, a.seed)
    except BackendUnavailable as ex:
        print(f"chaos: SKIPPED: {ex}", file=sys.stderr)
        return EXIT_SKIP


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
