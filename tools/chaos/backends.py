"""Where a chaos scenario runs: the same operations on a netlab run or a docker-compose cluster.

A backend brings a cluster up and down, applies faults, runs troupectl against a node, and
knows each node's process state, memory and chaos event log. Faults a backend cannot express
raise `Unsupported`; the runner records them as skipped, never as passed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "netlab"))
import lab as netlab  # noqa: E402


class Unsupported(Exception):
    """The backend cannot apply this fault."""


class BackendUnavailable(Exception):
    """The backend cannot run here (not root, no Docker engine, no compose file...)."""


class Backend:
    name = "?"
    run_dir: Path

    def nodes(self) -> list[str]: raise NotImplementedError
    def down(self) -> None: raise NotImplementedError
    def partition(self, kind: str, a: Optional[str] = None, b: Optional[str] = None) -> dict: raise NotImplementedError
    def heal(self) -> dict: raise NotImplementedError
    def delay(self, ms: int, jitter: int = 0) -> dict: raise Unsupported("delay")
    def loss(self, p: float) -> dict: raise Unsupported("loss")
    def kill(self, node: str) -> dict: raise NotImplementedError
    def start(self, node: str) -> dict: raise NotImplementedError
    def pause(self, node: str) -> dict: raise NotImplementedError
    def resume(self, node: str) -> dict: raise NotImplementedError
    def status(self, node: str) -> str: raise NotImplementedError  # running, paused, killed
    def ctl(self, node: str, *args: str, timeout_ms: int = 3000) -> subprocess.CompletedProcess: raise NotImplementedError
    def rss_kb(self, node: str) -> Optional[int]: raise NotImplementedError
    def crashed(self) -> list[str]: raise NotImplementedError
    def event_logs(self) -> list[Path]: raise NotImplementedError
    def node_logs(self) -> dict[str, Path]: raise NotImplementedError
    def mechanisms(self) -> dict: return {}

    def ctl_json(self, node: str, *args: str, timeout_ms: int = 3000):
        r = self.ctl(node, *args, "--json", timeout_ms=timeout_ms)
        if r.returncode != 0:
            return None
        try:
            return json.loads(r.stdout)
        except json.JSONDecodeError:
            return None

    def wait_converged(self, timeout: float = 30.0) -> bool:
        """Until every running node sees every running node up."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            live = [n for n in self.nodes() if self.status(n) == "running"]
            views = [self.ctl_json(n, "members") for n in live]
            if all(v is not None and all({m["name"]: m["state"] for m in v}.get(o) == "up" for o in live) for v in views):
                return True
            time.sleep(0.3)
        return False


class NetlabBackend(Backend):
    """Network namespaces on this machine (tools/netlab)."""

    name = "netlab"

    def __init__(self, n: int, build: Path, profile: str, owner: int, node_args: list[str]):
        problem = netlab.environment_problem()
        if problem:
            raise BackendUnavailable(problem)
        self.lab = netlab.Lab.create(n, build, profile=profile, owner=owner, node_args=node_args)
        self.run_dir = self.lab.run_dir

    def nodes(self): return self.lab.node_names()
    def down(self): self.lab.down()
    def partition(self, kind, a=None, b=None): return self.lab.partition(kind, a, b)
    def heal(self): return self.lab.heal()
    def delay(self, ms, jitter=0): return self.lab.delay(ms, jitter)
    def loss(self, p): return self.lab.loss(p)
    def kill(self, node): self.lab.kill(node); return {"node": node}
    def start(self, node): self.lab.start(node); return {"node": node}
    def pause(self, node): self.lab.pause(node); return {"node": node}
    def resume(self, node): self.lab.resume(node); return {"node": node}
    def status(self, node): return self.lab.node(node)["status"]
    def ctl(self, node, *args, timeout_ms=3000): return self.lab.ctl(node, *args, timeout_ms=timeout_ms)
    def rss_kb(self, node): return self.lab.rss_kb(node)
    def crashed(self): return self.lab.crashed()
    def event_logs(self): return [Path(n["events"]) for n in self.lab.state["nodes"].values()]
    def node_logs(self): return {k: Path(n["log"]) for k, n in self.lab.state["nodes"].items()}

    def mechanisms(self):
        netem = self.lab.state["netem"]
        return {"partition": "iptables DROP in each host namespace",
                "delay": "netem" if netem else "transport hook (troupe.link_faults; no netem in this kernel)",
                "loss": "netem" if netem else "iptables statistic (no netem in this kernel)",
                "kill": "SIGKILL", "pause": "SIGSTOP/SIGCONT"}


class ComposeBackend(Backend):
    """The docker-compose cluster (docker-compose.yml at the top of the repository).

    Faults: `docker kill`, `docker pause`/`unpause`, `docker network disconnect`/`connect` (a
    disconnected container is isolated from everyone, so only `isolate` and cuts made of
    isolated nodes are possible). troupectl runs inside the node's own container. Each node's
    chaos event log goes to the run directory through an override file that mounts it.
    """

    name = "compose"

    def __init__(self, compose_file: Path, run_dir: Path):
        if not compose_file.exists():
            raise BackendUnavailable(f"no compose file at {compose_file} (tools/docker is not there yet)")
        if not shutil.which("docker"):
            raise BackendUnavailable("no docker command")
        if subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode != 0:
            raise BackendUnavailable("no Docker engine answers (docker info failed)")
        self.compose = self._compose_command()
        image = os.environ.get("TROUPE_IMAGE", "troupe:latest")
        if subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode != 0:
            raise BackendUnavailable(f"no image {image}: build it with tools/docker/build-image (docs/docker.md)")
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.project = f"chaos{os.getpid()}"
        self.file = compose_file
        self.services = self._services()
        if not self.services:
            raise BackendUnavailable(f"{compose_file} defines no node service")
        override = self.run_dir / "chaos-override.yml"
        override.write_text(json.dumps({"version": "3", "services": {
            s: {"environment": {"TROUPE_CHAOS_LOG": f"/chaos/{s}.events"}, "volumes": [f"{self.run_dir}:/chaos"]}
            for s in self.services}}))  # JSON is YAML
        self.files = ["-f", str(compose_file), "-f", str(override)]
        self.state = {s: "running" for s in self.services}
        r = self._run("up", "-d", *self.services, timeout=300)  # the nodes only, not the demos
        if r.returncode != 0:
            self.down()
            raise BackendUnavailable(f"docker compose up failed: {r.stderr.strip()[-500:]}")

    @staticmethod
    def _compose_command() -> list[str]:
        if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
            return ["docker", "compose"]
        if shutil.which("docker-compose"):
            return ["docker-compose"]
        raise BackendUnavailable("neither `docker compose` nor `docker-compose` is installed")

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([*self.compose, "-p", self.project, *getattr(self, "files", ["-f", str(self.file)]), *args],
                              capture_output=True, text=True, timeout=timeout)

    def _services(self) -> list[str]:
        r = self._run("config", "--services")
        return [s for s in r.stdout.split() if re.fullmatch(r"n\d+", s)]

    def _container(self, node: str) -> str:
        r = self._run("ps", "-q", node)
        return r.stdout.strip()

    def _address(self, node: str) -> str:
        """The node as troupectl inside its own container reaches it: over loopback, which a
        `docker network disconnect` leaves alone (the healthcheck does the same)."""
        r = subprocess.run(["docker", "inspect", "--format", "{{range .Config.Env}}{{println .}}{{end}}", self._container(node)],
                           capture_output=True, text=True)
        for line in r.stdout.splitlines():
            if line.startswith("TROUPE_LISTEN="):
                return "tcp://127.0.0.1:" + line.rsplit(":", 1)[1]
        return "tcp://127.0.0.1:7100"

    def _network(self, node: str) -> tuple[str, str]:
        """The container's network and its address there (compose gives the nodes fixed ones)."""
        r = subprocess.run(["docker", "inspect", "--format",
                            "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{$v.IPAddress}} {{end}}",
                            self._container(node)], capture_output=True, text=True)
        parts = r.stdout.split()
        return (parts[0], parts[1]) if len(parts) >= 2 else ("", "")

    def nodes(self): return list(self.services)
    def down(self): self._run("down", "-v", "--remove-orphans", timeout=120)

    def partition(self, kind, a=None, b=None):
        if kind != "isolate":
            raise Unsupported(f"partition {kind} (docker network disconnect isolates single containers only)")
        node = a if str(a).startswith("n") else self.services[int(a) - 1]
        self._isolated = getattr(self, "_isolated", {})
        net, ip = self._network(node)
        subprocess.run(["docker", "network", "disconnect", net, self._container(node)], capture_output=True)
        self._isolated[node] = (net, ip)
        return {"kind": "partition", "how": "isolate", "groups": [[node], [s for s in self.services if s != node]],
                "mechanism": "docker network disconnect"}

    def heal(self):
        for node, (net, ip) in getattr(self, "_isolated", {}).items():
            subprocess.run(["docker", "network", "connect", "--alias", node, *(["--ip", ip] if ip else []), net,
                            self._container(node)], capture_output=True)
        self._isolated = {}
        return {"mechanism": "docker network connect"}

    def _docker(self, verb: str, node: str):
        subprocess.run(["docker", verb, self._container(node)], capture_output=True, timeout=60)

    def kill(self, node): self._docker("kill", node); self.state[node] = "killed"; return {"node": node}
    def start(self, node): self._run("start", node); self.state[node] = "running"; return {"node": node}
    def pause(self, node): self._docker("pause", node); self.state[node] = "paused"; return {"node": node}
    def resume(self, node): self._docker("unpause", node); self.state[node] = "running"; return {"node": node}
    def status(self, node): return self.state[node]

    def ctl(self, node, *args, timeout_ms=3000):
        return self._run("exec", "-T", node, "/usr/local/bin/troupectl", "--node", self._address(node), "--timeout-ms", str(timeout_ms),
                         *args, timeout=timeout_ms / 1000 * 3 + 10)

    def rss_kb(self, node):
        r = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", self._container(node)],
                           capture_output=True, text=True, timeout=30)
        try:
            value = r.stdout.split("/")[0].strip()
            scale = {"KiB": 1, "MiB": 1024, "GiB": 1024 * 1024, "B": 1 / 1024}
            for unit, k in scale.items():
                if value.endswith(unit):
                    return int(float(value[: -len(unit)]) * k)
        except (ValueError, IndexError):
            pass
        return None

    def crashed(self):
        out = []
        for node, st in self.state.items():
            if st != "running":
                continue
            r = subprocess.run(["docker", "inspect", "--format", "{{.State.Running}}", self._container(node)],
                               capture_output=True, text=True)
            if r.stdout.strip() != "true":
                out.append(node)
        return out

    def event_logs(self): return [self.run_dir / f"{s}.events" for s in self.services]

    def node_logs(self):
        out = {}
        for s in self.services:
            p = self.run_dir / f"{s}.log"
            p.write_text(self._run("logs", "--no-color", s).stdout)
            out[s] = p
        return out

    def mechanisms(self):
        return {"partition": "docker network disconnect (isolate only)", "kill": "docker kill",
                "pause": "docker pause", "delay": "unsupported", "loss": "unsupported"}
