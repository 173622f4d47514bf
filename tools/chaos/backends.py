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

    Faults: `docker kill`, `docker pause`/`unpause`, `docker network disconnect`/`connect` for
    `isolate`, and every other partition kind as netlab's drop rules put into the containers'
    INPUT chains from the host (nsenter; the image has no iptables). troupectl runs inside the
    node's own container. Each node's chaos event log goes to the run directory through an
    override file that mounts it. A scenario of more nodes than the file has clones its last one.
    """

    name = "compose"

    def __init__(self, compose_file: Path, run_dir: Path, n: int = 3, profile: str = "default",
                 build: Optional[Path] = None):
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
        # The image runs as an unprivileged user (65534), which writes the event logs here.
        self.run_dir.chmod(0o777)
        self.project = f"chaos{os.getpid()}"
        self.file = compose_file
        # Its own /24 (TROUPE_NET), so a run never collides with a compose cluster already up
        # from the same file (a user's, or the compose test's).
        self.env = dict(os.environ, TROUPE_NET=os.environ.get("TROUPE_CHAOS_NET", "10.77.8"),
                        TROUPE_COOKIE="chaos-" + os.urandom(8).hex())
        # troupectl from the host when the build has it (a `docker exec` per command costs more
        # than the command, and a workload runs many); else inside each node's container.
        host_ctl = Path(build or REPO / "build") / "tools" / "troupectl"
        self.host_ctl = host_ctl if host_ctl.exists() else None
        # Cuts as iptables rules in the containers (nsenter) need root; else docker network disconnect.
        self.nsenter = bool(shutil.which("nsenter") and shutil.which("iptables") and os.geteuid() == 0)
        resolved = self._resolved_config()
        base = [s for s in resolved.get("services", {}) if re.fullmatch(r"n\d+", s)]
        if not base:
            raise BackendUnavailable(f"{compose_file} defines no node service")
        # The scenario's size: the file's first n nodes, and more cloned from its last one.
        self.services = [f"n{i}" for i in range(1, n + 1)]
        override = self.run_dir / "chaos-override.yml"
        override.write_text(json.dumps({"version": "3", "services": self._override(resolved, base, profile)}))  # JSON is YAML
        self.files = ["-f", str(compose_file), "-f", str(override)]
        self.state = {s: "running" for s in self.services}
        r = self._run("up", "-d", *self.services, timeout=300)  # the nodes only, not the demos
        if r.returncode != 0:
            self.down()
            raise BackendUnavailable(f"docker compose up failed: {r.stderr.strip()[-500:]}")
        self._ips = {s: self._network(s)[1] for s in self.services}
        gw = subprocess.run(["docker", "inspect", "--format", "{{range .NetworkSettings.Networks}}{{.Gateway}}{{end}}",
                             self._container(self.services[0])], capture_output=True, text=True).stdout.strip()
        if not gw:
            self.host_ctl = None  # the host has no address on the cluster's network to be called back on
        self.gateway = gw
        self.port = self._address(self.services[0]).rsplit(":", 1)[1]

    def _resolved_config(self) -> dict:
        import yaml  # python3-yaml: docker-compose itself needs it
        r = self._run("config")
        if r.returncode != 0:
            raise BackendUnavailable(f"docker compose config failed: {r.stderr.strip()[-500:]}")
        return yaml.safe_load(r.stdout)

    def _override(self, resolved: dict, base: list[str], profile: str) -> dict:
        """Per node: the event log, the detector profile; and for nodes beyond the file's, the
        whole service, cloned from the file's last node at the next fixed address."""
        template = resolved["services"][base[-1]]
        net_key, net_conf = next(iter(template["networks"].items()))
        prefix = net_conf["ipv4_address"].rsplit(".", 1)[0]
        port = template["environment"]["TROUPE_ADVERTISE"].rsplit(":", 1)[1]
        address = {s: f"tcp://{prefix}.{10 + int(s[1:])}:{port}" for s in self.services}
        out = {}
        for s in self.services:
            svc = {"environment": {"TROUPE_CHAOS_LOG": f"/chaos/{s}.events", "TROUPE_PROFILE": profile},
                   "volumes": [f"{self.run_dir}:/chaos"]}
            if s not in base:
                seeds = ",".join(address[x] for x in self.services[:3] if x != s)
                svc["environment"].update({k: v for k, v in template["environment"].items()
                                           if k not in ("TROUPE_NAME", "TROUPE_ADVERTISE", "TROUPE_SEEDS")})
                svc["environment"].update({"TROUPE_NAME": s, "TROUPE_ADVERTISE": address[s], "TROUPE_SEEDS": seeds,
                                           "TROUPE_CHAOS_LOG": f"/chaos/{s}.events", "TROUPE_PROFILE": profile})
                svc.update({k: template[k] for k in ("image", "healthcheck") if k in template})
                svc["hostname"] = s
                svc["networks"] = {net_key: {"ipv4_address": address[s].split("//")[1].rsplit(":", 1)[0]}}
            out[s] = svc
        return out

    @staticmethod
    def _compose_command() -> list[str]:
        if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
            return ["docker", "compose"]
        if shutil.which("docker-compose"):
            return ["docker-compose"]
        raise BackendUnavailable("neither `docker compose` nor `docker-compose` is installed")

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([*self.compose, "-p", self.project, *getattr(self, "files", ["-f", str(self.file)]), *args],
                              capture_output=True, text=True, timeout=timeout, env=self.env)

    def _container(self, node: str) -> str:
        """The node's container id (kept: `docker-compose ps` costs about a second, and kill/start
        keep the container)."""
        self._ids = getattr(self, "_ids", {})
        if not self._ids.get(node):
            self._ids[node] = self._run("ps", "-q", node).stdout.strip()
        return self._ids[node]

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

    def _pid(self, node: str) -> int:
        r = subprocess.run(["docker", "inspect", "--format", "{{.State.Pid}}", self._container(node)],
                           capture_output=True, text=True)
        return int(r.stdout.strip() or 0)

    def _in_netns(self, node: str, *cmd: str) -> subprocess.CompletedProcess:
        """A command of the host's (iptables) inside the container's network namespace: the
        image is FROM scratch and has no iptables of its own."""
        return subprocess.run(["nsenter", "-t", str(self._pid(node)), "-n", *cmd], capture_output=True, text=True,
                              timeout=30)

    def _apply_drops(self, node: str) -> None:
        for at, source, extra in getattr(self, "_drops", []):
            if self.services[at - 1] == node:
                ip = self._ips[self.services[source - 1]]
                self._in_netns(node, "iptables", "-A", "INPUT", "-s", ip, *extra, "-j", "DROP")

    def partition(self, kind, a=None, b=None):
        """Every kind (halves, majority, isolate, bridge, groups, oneway, stall): the same drop
        rules as netlab, put into each container's INPUT chain from the host with nsenter; only
        packets between nodes are dropped, so troupectl from the host still reaches every node,
        as netlab's client host does. Without root: `isolate` only, by `docker network
        disconnect` (which cuts the host off that node too)."""
        if kind == "isolate" and not self.nsenter:
            node = a if str(a).startswith("n") else self.services[int(a) - 1]
            self._isolated = getattr(self, "_isolated", {})
            net, ip = self._network(node)
            subprocess.run(["docker", "network", "disconnect", net, self._container(node)], capture_output=True)
            self._isolated[node] = (net, ip)
            return {"kind": "partition", "how": "isolate", "groups": [[node], [s for s in self.services if s != node]],
                    "mechanism": "docker network disconnect"}
        if not self.nsenter:
            raise Unsupported(f"partition {kind} (needs root, nsenter and iptables on the host)")
        port = int(self._address(self.services[0]).rsplit(":", 1)[1])
        if kind == "isolate" and str(a).startswith("n"):
            a = a[1:]
        drops, fault = netlab.partition_drops(kind, a, b, len(self.services), port)
        self._drops = getattr(self, "_drops", []) + drops
        for node in {self.services[at - 1] for at, _, _ in drops}:
            if self.state[node] != "killed":  # a paused container's namespace takes rules too
                self._apply_drops(node)
        fault["mechanism"] = "iptables in the containers' network namespaces (nsenter)"
        return fault

    def heal(self):
        for node, (net, ip) in getattr(self, "_isolated", {}).items():
            subprocess.run(["docker", "network", "connect", "--alias", node, *(["--ip", ip] if ip else []), net,
                            self._container(node)], capture_output=True)
        self._isolated = {}
        if getattr(self, "_drops", []):
            for node in {self.services[at - 1] for at, _, _ in self._drops}:
                if self.state[node] != "killed":
                    self._in_netns(node, "iptables", "-F", "INPUT")
            self._drops = []
        return {"mechanism": "docker network connect; iptables -F in the containers"}

    def _docker(self, verb: str, node: str):
        subprocess.run(["docker", verb, self._container(node)], capture_output=True, timeout=60)

    def kill(self, node): self._docker("kill", node); self.state[node] = "killed"; return {"node": node}
    def start(self, node):
        self._run("start", node)
        self.state[node] = "running"
        self._apply_drops(node)  # a started container has a fresh network namespace: the cuts again
        return {"node": node}
    def pause(self, node): self._docker("pause", node); self.state[node] = "paused"; return {"node": node}
    def resume(self, node): self._docker("unpause", node); self.state[node] = "running"; return {"node": node}
    def status(self, node): return self.state[node]

    def ctl(self, node, *args, timeout_ms=3000):
        if self.host_ctl:  # from the host, over the cluster's network (never cut: see partition)
            return subprocess.run([str(self.host_ctl), "--node", f"tcp://{self._ips[node]}:{self.port}", "--cookie",
                                   self.env["TROUPE_COOKIE"], "--timeout-ms", str(timeout_ms),
                                   "--listen", f"tcp://{self.gateway}:*", *args],
                                  capture_output=True, text=True, timeout=timeout_ms / 1000 * 3 + 5)
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
        return {"partition": "iptables in the containers via nsenter" if self.nsenter else "docker network disconnect (isolate only)",
                "troupectl": "from the host" if self.host_ctl else "docker exec in the node's container", "kill": "docker kill",
                "pause": "docker pause", "delay": "unsupported", "loss": "unsupported"}
