"""The readable report of a chaos run (report.md in its run directory)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path


def write_report(path: Path, scenario, backend_name: str, mechanisms: dict, history, checks: list,
                 workload, notes: list[str], passed: bool) -> None:
    rel = history.rel
    lines = [f"# Chaos run: {scenario.name} — {'PASSED' if passed else 'FAILED'}", "",
             f"{scenario.description}.", "",
             f"- backend: {backend_name}; {scenario.nodes} nodes; detector profile {scenario.profile}",
             f"- history: `history.jsonl` (every operation, fault, sample and the final state), node event logs `*.events`, node logs `*.log`",
             "- fault mechanisms: " + "; ".join(f"{k}: {v}" for k, v in mechanisms.items()), ""]
    lines += ["## Timeline", "", "| at (s) | what |", "| --- | --- |"]
    for e in history.entries():
        if e["kind"] == "phase":
            lines.append(f"| {rel(e['t']):.2f} | **{e['phase']}** |")
        elif e["kind"] == "fault":
            detail = ", ".join(f"{k}={v}" for k, v in e.items() if k not in ("t", "kind", "action", "mechanism") and v is not None)
            mech = f" ({e['mechanism']})" if e.get("mechanism") else ""
            lines.append(f"| {rel(e['t']):.2f} | {e['action']} {detail}{mech} |")
    ops = [e for e in history.entries("op")]
    counts = Counter((e["op"], e["ok"]) for e in ops if "ok" in e)
    lines += ["", "## Workload", "",
              f"- {len(workload.receivers)} receivers, {len(workload.senders)} monitored senders, "
              f"{len(workload.flooders)} flooders, global children: {', '.join(workload.children) or 'none'}",
              "- operations: " + ", ".join(f"{op} {'ok' if ok else 'failed'}: {n}" for (op, ok), n in sorted(counts.items())), ""]
    lines += ["## Checks", "", "| check | result | checked | what |", "| --- | --- | --- | --- |"]
    for c in checks:
        result = "skipped" if c.skipped else ("pass" if c.passed else f"**FAIL** ({len(c.violations)})")
        lines.append(f"| {c.name} | {result} | {c.checked} | {c.what} |")
    for c in checks:
        if c.skipped:
            lines += ["", f"### {c.name}: skipped", "", c.skipped]
        if c.violations:
            lines += ["", f"### {c.name}: violations", ""] + [f"- {v}" for v in c.violations[:50]]
            if len(c.violations) > 50:
                lines.append(f"- … {len(c.violations) - 50} more")
        if c.warnings:
            lines += ["", f"### {c.name}: notes", ""] + [f"- {w}" for w in c.warnings[:30]]
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    Path(path).write_text("\n".join(lines) + "\n")
