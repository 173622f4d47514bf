"""Validates deploy/kubernetes/ offline, with no cluster:

1. every manifest against the Kubernetes API schemas (kubernetes-validate, strict: an unknown
   field is an error), for the oldest and the newest version we support;
2. a broken copy of the StatefulSet must fail, so a validator that checks nothing fails the test;
3. what the schemas cannot see: the pieces agree with each other and with troupe-node — the
   headless Service is the StatefulSet's, selectors match the pod labels, the dns: seed names the
   headless Service and the cluster port, readiness asks /health on the --http port, the cookie
   file is where the Secret is mounted, the preStop drain fits in terminationGracePeriodSeconds,
   and the kustomization lists every manifest.

4. with BUILD_DIR: a rehearsal of two pods on this machine — troupe-node run with the pod
   template's arguments and environment (`$(VAR)` expanded as the kubelet does), adapted only
   where a cluster differs from one host: addresses 127.0.0.1 and .2 on a free port instead of
   the pod IPs on 7100, `dns:localhost` instead of the Service's name, the cookie in a temporary
   file, and the node name `{hostname}-podN` (both pods share this host's name). Checks: both
   are ready on /health and see each other, then the preStop command (same adaptations) drains
   pod 0: it exits 0 within the grace period and its global child runs on pod 1.

    python3 tests/deploy/kubernetes_manifests_test.py SOURCE_DIR [BUILD_DIR]
"""
import copy
import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import kubernetes_validate
import yaml

VERSIONS = ["1.27.0", "1.33.0"]  # oldest we support (PodDisruptionBudget policy/v1 since 1.21), a recent one
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def validate(doc, version):
    try:
        kubernetes_validate.validate(doc, version, strict=True)
        return None
    except kubernetes_validate.ValidationError as e:
        return str(e)


def main():
    root = pathlib.Path(sys.argv[1]) / "deploy" / "kubernetes"
    files = sorted(p for p in root.glob("*.yaml") if p.name != "kustomization.yaml")
    docs = {}
    for path in files:
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs[doc["kind"]] = doc
                for v in VERSIONS:
                    err = validate(doc, v)
                    check(err is None, f"{path.name}: {doc['kind']}/{doc['metadata']['name']} is valid against Kubernetes {v}"
                          + (f": {err}" if err else ""))
    for kind in ["StatefulSet", "Service", "Secret", "PodDisruptionBudget"]:
        check(kind in docs, f"there is a {kind}")
    if failures:
        return 1

    broken = copy.deepcopy(docs["StatefulSet"])
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["pathh"] = "/health"
    check(validate(broken, VERSIONS[-1]) is not None, "an unknown field in the StatefulSet is refused (the validator checks)")
    broken = copy.deepcopy(docs["StatefulSet"])
    broken["spec"]["replicas"] = "three"
    check(validate(broken, VERSIONS[-1]) is not None, "a string for replicas is refused")

    sts, svc, secret, pdb = docs["StatefulSet"], docs["Service"], docs["Secret"], docs["PodDisruptionBudget"]
    pod = sts["spec"]["template"]
    labels = pod["metadata"]["labels"]
    container = pod["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}

    check(sts["spec"]["serviceName"] == svc["metadata"]["name"], "the StatefulSet's serviceName is the headless Service")
    check(svc["spec"].get("clusterIP") == "None", "the Service is headless (clusterIP: None)")
    check(svc["spec"].get("publishNotReadyAddresses") is True, "starting pods are listed in DNS before they are ready")
    subset = lambda sel: all(labels.get(k) == v for k, v in sel.items())
    check(subset(svc["spec"]["selector"]), "the Service selects the pods")
    check(subset(pdb["spec"]["selector"]["matchLabels"]), "the PodDisruptionBudget selects the pods")
    check(sts["spec"]["selector"]["matchLabels"] == {k: labels[k] for k in sts["spec"]["selector"]["matchLabels"]},
          "the StatefulSet's selector matches its pod labels")

    seed = env.get("TROUPE_SEEDS", "")
    parts = seed.split(":")
    check(len(parts) == 3 and parts[0] == "dns", f"the seed is dns:NAME:PORT ({seed})")
    if len(parts) == 3:
        check(parts[1] in (svc["metadata"]["name"], svc["metadata"]["name"] + ".") or parts[1].startswith(svc["metadata"]["name"] + "."),
              "the dns: seed names the headless Service")
        check(parts[2] == str(ports["cluster"]), "the dns: seed's port is the cluster port")
        check(any(p["port"] == ports["cluster"] for p in svc["spec"]["ports"]), "the Service lists the cluster port")
    check(env.get("TROUPE_LISTEN", "").endswith(":" + str(ports["cluster"])), "troupe-node listens on the cluster port")
    check(env.get("TROUPE_NAME") == "{hostname}", "each pod's node is named after the pod")

    args = container.get("args", [])
    http = args[args.index("--http") + 1] if "--http" in args else ""
    check(http.endswith(":" + str(ports["http"])), f"the management endpoint (--http {http}) serves on the http port")
    for probe in ["readinessProbe", "livenessProbe"]:
        get = container[probe]["httpGet"]
        check(get["path"] == "/health" and get["port"] in ("http", ports["http"]), f"{probe} asks /health on the http port")

    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volume = next(v for v in pod["spec"]["volumes"] if "secret" in v)
    check(volume["secret"]["secretName"] == secret["metadata"]["name"], "the cookie volume is the Secret")
    key = "cookie"
    check(key in secret.get("stringData", {}) or key in secret.get("data", {}), "the Secret has the key 'cookie'")
    check(env.get("TROUPE_COOKIE_FILE") == mounts[volume["name"]] + "/" + key, "TROUPE_COOKIE_FILE is the mounted Secret's key")

    hook = container["lifecycle"]["preStop"]["exec"]["command"]
    check(hook[0].endswith("troupectl") and "drain" in hook, "preStop runs troupectl drain")
    arg = lambda flag, default: int(hook[hook.index(flag) + 1]) if flag in hook else default
    budget_ms = arg("--timeout-ms", 3000) + arg("--wait-ms", 30000) + int(env.get("TROUPE_DRAIN_TIMEOUT_MS", "15000"))
    grace_ms = pod["spec"]["terminationGracePeriodSeconds"] * 1000
    check(budget_ms < grace_ms, f"the drain ({budget_ms} ms at most) fits in terminationGracePeriodSeconds ({grace_ms} ms)")
    if "--cookie-file" in hook:
        check(hook[hook.index("--cookie-file") + 1] == env.get("TROUPE_COOKIE_FILE"), "preStop's troupectl reads the same cookie")

    kustomization = yaml.safe_load((root / "kustomization.yaml").read_text())
    check(sorted(kustomization["resources"]) == sorted(p.name for p in files), "kustomization.yaml lists every manifest")

    if len(sys.argv) > 2 and not failures:
        rehearse(pathlib.Path(sys.argv[2]), pod, container, grace_ms)
    print(f"{len(failures)} failed" if failures else "every check passed")
    return 1 if failures else 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def expand(value, env):
    """$(VAR) as the kubelet expands it in env values, command and args."""
    return re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), value)


def adapt(text, ip, port, http_port, cookie):
    return (text.replace("0.0.0.0:7100", f"{ip}:{port}").replace("127.0.0.1:7100", f"{ip}:{port}")
            .replace(":7100", f":{port}").replace("0.0.0.0:8080", f"{ip}:{http_port}")
            .replace("troupe-headless", "localhost").replace("/run/secrets/troupe/cookie", cookie))


def until(pred, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False


def rehearse(build, pod, container, grace_ms):
    node, ctl = build / "tools" / "troupe-node", build / "tools" / "troupectl"
    if not (node.exists() and ctl.exists()):
        check(False, f"the rehearsal needs {node} and {ctl}")
        return
    port = free_port()
    cookie_file = tempfile.NamedTemporaryFile("w", suffix=".cookie", delete=False)
    cookie_file.write("rehearsal-cookie\n")
    cookie_file.close()
    pods = []
    try:
        for i, ip in enumerate(["127.0.0.1", "127.0.0.2"]):
            http_port = free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith("TROUPE_")}
            env["POD_IP"] = ip
            for e in container["env"]:
                if "value" in e:
                    env[e["name"]] = adapt(expand(e["value"], env), ip, port, http_port, cookie_file.name)
            env["TROUPE_NAME"] += f"-pod{i}"
            args = [adapt(a, ip, port, http_port, cookie_file.name) for a in container.get("args", [])]
            proc = subprocess.Popen([str(node)] + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            pods.append({"proc": proc, "ip": ip, "http": http_port, "env": env, "addr": f"tcp://{ip}:{port}"})
        names = []
        for p in pods:
            line = p["proc"].stdout.readline()
            check(" ready on " in line, f"pod {p['ip']} starts with the template's configuration: {line.strip()}")
            names.append(line.split()[1] if " ready on " in line else "?")

        def healthy(p):
            try:
                with urllib.request.urlopen(f"http://{p['ip']}:{p['http']}/health", timeout=1) as r:
                    return r.status == 200
            except OSError:
                return False

        for p in pods:
            check(until(lambda: healthy(p), 10), f"/health of {p['ip']} answers 200 (readiness)")

        def troupectl(p, *a):
            return subprocess.run([str(ctl), "--node", p["addr"], "--cookie-file", cookie_file.name, *a],
                                  capture_output=True, text=True, timeout=30)

        def ups(p):
            return sum(1 for m in json.loads(troupectl(p, "--json", "members").stdout or "[]") if m.get("state") == "up")

        check(until(lambda: ups(pods[1]) == 2 and ups(pods[0]) == 2, 10), "the two pods find each other through the dns: seed")
        started = troupectl(pods[0], "start-child", "--id", "k8s-w1", "counter", "--prefer", names[0])
        check(started.returncode == 0, f"a global child starts on {names[0]}: {started.stderr.strip()}")

        def child_on(p):
            rows = json.loads(troupectl(p, "--json", "children").stdout or "[]")
            return next((r.get("node") for r in rows if r.get("id") == "k8s-w1"), None)

        check(until(lambda: child_on(pods[1]) == names[0], 10), f"the child runs on {names[0]}")
        hook = [adapt(a, pods[0]["ip"], port, pods[0]["http"], cookie_file.name)
                for a in container["lifecycle"]["preStop"]["exec"]["command"]]
        hook[0] = str(ctl)
        t0 = time.monotonic()
        ran = subprocess.run(hook, capture_output=True, text=True, timeout=grace_ms / 1000)
        check(ran.returncode == 0, f"the preStop command drains pod 0 ({ran.stdout.strip().splitlines()[:1]} {ran.stderr.strip()})")
        try:
            code = pods[0]["proc"].wait(timeout=max(1, grace_ms / 1000 - (time.monotonic() - t0)))
        except subprocess.TimeoutExpired:
            code = None
        took = time.monotonic() - t0
        check(code == 0, f"pod 0's node exits 0 after the drain, {took:.1f} s after preStop began (grace {grace_ms / 1000:.0f} s)")
        check(child_on(pods[1]) == names[1], f"the child now runs on {names[1]}")
    finally:
        for p in pods:
            if p["proc"].poll() is None:
                p["proc"].kill()
            p["proc"].wait()
        os.unlink(cookie_file.name)


if __name__ == "__main__":
    sys.exit(main())
