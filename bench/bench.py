"""Throughput and memory of klint against the bare C composer, on a synthetic corpus.

    .venv/bin/python bench/bench.py --files 1000 [--stream]

Writes N realistic manifests (~5 KB each: Deployments with Services and ConfigMaps, CronJobs,
StatefulSets, DaemonSets, rendered Helm output, JSON; some hardened, some not) to a temporary
directory, then measures, each in a fresh process so that peak memory is its own:

- klint: the engine (every rule, default settings) over every file, as `klint DIR` does minus output;
- klint parse: klint's parsing alone (documents, decoded data and source map), no rules;
- C composer: ruamel.yaml's CSafeLoader composing every document of the same files into nodes.

and prints files/s, MB/s and peak resident memory for each. Timings vary with the machine's load:
compare figures from the same run.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

# --- the synthetic corpus ------------------------------------------------------------------------

IMAGES = ["nginx:1.27.2", "ghcr.io/example/api:v2.14.0", "quay.io/prometheus/node-exporter:v1.8.2",
          "registry.k8s.io/ingress-nginx/controller:v1.11.3", "postgres:16.4", "redis:7.4.1",
          "docker.io/library/busybox:1.36", "example.azurecr.io/billing/worker@sha256:" + "ab12" * 16]
TEAMS = ["payments", "search", "platform", "identity", "data", "web"]
WORDS = ["alpha", "bravo", "cache", "delta", "edge", "feed", "gateway", "hub", "index", "jobs", "kiosk",
         "ledger", "metrics", "notify", "orders", "proxy", "queue", "render", "store", "tracker"]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{rng.randrange(100)}"


def _labels(rng: random.Random, name: str, indent: int) -> str:
    pad = " " * indent
    lines = [f"app.kubernetes.io/name: {name}", f"app.kubernetes.io/part-of: {rng.choice(TEAMS)}",
             f"app.kubernetes.io/version: \"1.{rng.randrange(30)}.{rng.randrange(9)}\"",
             "app.kubernetes.io/managed-by: kustomize"]
    return "\n".join(pad + line for line in lines[: rng.randrange(2, 5)])


def _security(rng: random.Random, indent: int) -> str:
    """A container securityContext: mostly hardened, sometimes missing or dangerous."""
    pad = " " * indent
    roll = rng.random()
    if roll < 0.15:
        return ""
    if roll < 0.25:
        lines = ["securityContext:", "  privileged: true", "  capabilities:",
                 "    add: [NET_ADMIN, SYS_TIME]"]
    else:
        lines = ["securityContext:", "  allowPrivilegeEscalation: false", "  readOnlyRootFilesystem: true",
                 "  runAsNonRoot: true", f"  runAsUser: {rng.randrange(1000, 65000)}", "  capabilities:",
                 "    drop: [\"ALL\"]", "  seccompProfile:", "    type: RuntimeDefault"]
    return "\n".join(pad + line for line in lines) + "\n"


def _container(rng: random.Random, name: str, env_count: int, indent: int) -> str:
    pad = " " * indent
    env = "".join(f"{pad}    - name: {rng.choice(WORDS).upper()}_{i}\n"
                  f"{pad}      value: \"{rng.choice(WORDS)}-{rng.randrange(10_000)}\"\n"
                  for i in range(env_count))
    port = rng.choice([80, 443, 8080, 8443, 9090, 5432, 6379])
    return (
        f"{pad}- name: {name}\n"
        f"{pad}  image: {rng.choice(IMAGES)}\n"
        f"{pad}  imagePullPolicy: IfNotPresent\n"
        f"{pad}  args: [\"--port={port}\", \"--log-level=info\", \"--metrics\"]\n"
        f"{pad}  ports:\n"
        f"{pad}    - name: http\n"
        f"{pad}      containerPort: {port}\n"
        f"{pad}      protocol: TCP\n"
        f"{pad}  env:\n{env}"
        f"{pad}  resources:\n"
        f"{pad}    requests: {{cpu: {rng.randrange(50, 500)}m, memory: {rng.randrange(64, 512)}Mi}}\n"
        f"{pad}    limits:\n"
        f"{pad}      cpu: \"{rng.randrange(1, 4)}\"\n"
        f"{pad}      memory: {rng.randrange(256, 2048)}Mi\n"
        f"{pad}  livenessProbe:\n"
        f"{pad}    httpGet: {{path: /healthz, port: http}}\n"
        f"{pad}    initialDelaySeconds: {rng.randrange(5, 30)}\n"
        f"{pad}  readinessProbe:\n"
        f"{pad}    httpGet:\n"
        f"{pad}      path: /ready\n"
        f"{pad}      port: http\n"
        f"{pad}  volumeMounts:\n"
        f"{pad}    - name: config\n"
        f"{pad}      mountPath: /etc/{name}\n"
        f"{pad}      readOnly: true\n"
        + _security(rng, indent + 2)
    )


def _pod_spec(rng: random.Random, name: str, indent: int, env_count: int) -> str:
    pad = " " * indent
    host = f"{pad}hostNetwork: true\n" if rng.random() < 0.05 else ""
    containers = "".join(_container(rng, f"{name}-{i}" if i else name, env_count, indent + 2)
                         for i in range(rng.choice([1, 1, 1, 2])))
    return (
        f"{pad}serviceAccountName: {name}\n"
        f"{host}"
        f"{pad}automountServiceAccountToken: false\n"
        f"{pad}securityContext:\n"
        f"{pad}  fsGroup: 2000\n"
        f"{pad}  runAsNonRoot: true\n"
        f"{pad}containers:\n{containers}"
        f"{pad}volumes:\n"
        f"{pad}  - name: config\n"
        f"{pad}    configMap:\n"
        f"{pad}      name: {name}-config\n"
    )


def deployment(rng: random.Random, name: str, env_count: int, kind: str = "Deployment") -> str:
    return (
        f"apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: {rng.choice(TEAMS)}\n"
        f"  labels:\n{_labels(rng, name, 4)}\n"
        f"  annotations:\n    deployment.kubernetes.io/revision: \"{rng.randrange(1, 40)}\"\n"
        f"spec:\n  replicas: {rng.randrange(1, 6)}\n  selector:\n    matchLabels:\n"
        f"      app.kubernetes.io/name: {name}\n  template:\n    metadata:\n      labels:\n"
        f"{_labels(rng, name, 8)}\n    spec:\n" + _pod_spec(rng, name, 6, env_count)
    )


def service(rng: random.Random, name: str) -> str:
    return textwrap.dedent(f"""\
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          labels:
            app.kubernetes.io/name: {name}
        spec:
          type: {rng.choice(["ClusterIP", "ClusterIP", "NodePort"])}
          selector:
            app.kubernetes.io/name: {name}
          ports:
            - name: http
              port: 80
              targetPort: http
        """)


def config_map(rng: random.Random, name: str, lines: int) -> str:
    body = "".join(f"    {rng.choice(WORDS)}.{rng.choice(WORDS)} = {rng.randrange(10_000)}\n"
                   for _ in range(lines))
    return (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-config\ndata:\n"
            f"  LOG_LEVEL: info\n  FEATURE_FLAGS: \"a,b,c\"\n  app.properties: |\n{body}")


def cron_job(rng: random.Random, name: str, env_count: int) -> str:
    return (
        f"apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: {name}\nspec:\n"
        f"  schedule: \"{rng.randrange(60)} {rng.randrange(24)} * * *\"\n  concurrencyPolicy: Forbid\n"
        f"  jobTemplate:\n    spec:\n      backoffLimit: 2\n      template:\n        spec:\n"
        f"          restartPolicy: OnFailure\n" + _pod_spec(rng, name, 10, env_count)
    )


def manifest_file(rng: random.Random, number: int) -> tuple[str, str]:
    """(file name, text) of one file of about 5 KB."""
    name = _name(rng)
    shape = number % 6
    if shape == 0:  # an application: Deployment, Service and ConfigMap in one stream
        docs = [deployment(rng, name, 12), service(rng, name), config_map(rng, name, 50)]
        return f"apps/{name}-{number}.yaml", "---\n".join(docs)
    if shape == 1:
        docs = [cron_job(rng, name, 20), config_map(rng, name, 70)]
        return f"jobs/{name}-{number}.yaml", "---\n".join(docs)
    if shape == 2:  # rendered Helm output
        docs = [f"# Source: {name}/templates/deployment.yaml\n" + deployment(rng, name, 18),
                f"# Source: {name}/templates/service.yaml\n" + service(rng, name),
                f"# Source: {name}/templates/configmap.yaml\n" + config_map(rng, name, 30)]
        return f"rendered/{name}-{number}.yaml", "---\n" + "---\n".join(docs)
    if shape == 3:
        docs = [deployment(rng, name, 26, "StatefulSet"), service(rng, name)]
        return f"data/{name}-{number}.yaml", "---\n".join(docs)
    if shape == 4:
        docs = [deployment(rng, name, 32, "DaemonSet")]
        return f"node/{name}-{number}.yml", "".join(docs)
    return f"json/{name}-{number}.json", _json_manifest(rng, name)


def _json_manifest(rng: random.Random, name: str) -> str:
    containers = [{
        "name": f"{name}-{i}", "image": rng.choice(IMAGES),
        "env": [{"name": f"VAR_{j}", "value": f"{rng.choice(WORDS)}-{j}"} for j in range(24)],
        "resources": {"limits": {"cpu": "1", "memory": "512Mi"}},
        "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False},
    } for i in range(2)]
    data = {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": {"app": name, "team": rng.choice(TEAMS)}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": containers}}}}
    return json.dumps(data, indent=2) + "\n"


def write_corpus(directory: Path, count: int, seed: int, stream: bool = False) -> None:
    rng = random.Random(seed)
    texts = []
    for number in range(count):
        name, text = manifest_file(rng, number)
        if stream:
            texts.append(text)
            continue
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if stream:
        (directory / "stream.yaml").write_text("---\n".join(texts), encoding="utf-8")


# --- the measurements (each runs in its own process) ----------------------------------------------

def run_klint(files: list[str]) -> None:
    from klint.config import Settings
    from klint.engine import lint_file

    settings = Settings()
    rules = settings.enabled_rules()
    for path in files:
        result = lint_file(path, rules, settings)
        if result.problems:
            raise SystemExit(f"{path}: {result.problems[0].message}")


def run_klint_parse(files: list[str]) -> None:
    from klint.document import parse_documents
    from klint.source import Source

    for path in files:
        with open(path, "rb") as handle:
            for _ in parse_documents(Source.from_bytes(path, handle.read())):
                pass


def compose_file(path: str) -> None:
    """Every document of the file composed into nodes by ruamel's C composer: the bare parse."""
    from ruamel.yaml.cyaml import CSafeLoader

    with open(path, encoding="utf-8-sig") as handle:
        loader = CSafeLoader(handle.read())
    try:
        while loader.check_node():
            loader.get_node()
    finally:
        loader.dispose()


def run_composer(files: list[str]) -> None:
    for path in files:
        compose_file(path)


MEASUREMENTS: dict[str, Callable[[list[str]], None]] = {
    "klint": run_klint,
    "klint parse": run_klint_parse,
    "C composer": run_composer,
}


def measure(name: str, directory: str) -> dict[str, float]:
    """Run one measurement in this process: seconds and peak resident memory."""
    from klint.discover import discover

    files = list(discover([directory]))
    MEASUREMENTS[name](files[:10])  # warm up: imports, caches
    start = time.perf_counter()
    MEASUREMENTS[name](files)
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"files": len(files), "bytes": sum(Path(f).stat().st_size for f in files), "seconds": seconds,
            "peak_mib": peak_kib / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1000, help="how many manifests to generate (1000)")
    parser.add_argument("--seed", type=int, default=2, help="random seed of the corpus (2)")
    parser.add_argument("--stream", action="store_true",
                        help="write the manifests as one multi-document file instead of one file each")
    parser.add_argument("--measure", choices=list(MEASUREMENTS), help=argparse.SUPPRESS)
    parser.add_argument("--directory", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # a child process: one measurement, printed as JSON
        print(json.dumps(measure(args.measure, args.directory)))
        return

    with tempfile.TemporaryDirectory(prefix="klint-bench-") as directory:
        write_corpus(Path(directory), args.files, args.seed, args.stream)
        print(f"{args.files} synthetic manifests in {directory}" + (", in one stream" if args.stream else ""))
        for name in MEASUREMENTS:
            child = subprocess.run([sys.executable, __file__, "--measure", name, "--directory", directory],
                                   capture_output=True, text=True, check=True)
            figures = json.loads(child.stdout)
            print(f"{name:<12} {figures['files']} files, {figures['bytes'] / 1e6:.2f} MB in "
                  f"{figures['seconds']:.2f} s: {figures['files'] / figures['seconds']:7.0f} files/s, "
                  f"{figures['bytes'] / 1e6 / figures['seconds']:5.2f} MB/s, peak memory "
                  f"{figures['peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
