"""What Rego policies cost: per object, and at start-up.

    PYTHONPYCACHEPREFIX=/tmp/pyc .venv/bin/python bench/policies.py [--objects 1000] [--policies 10]

Writes N Deployments and P policies of each style to a temporary directory, then times, each in a
fresh process (`klint --format json DIR`, output discarded):

- rules only: the built-in rules, no policy;
- conftest: the same with P `.rego` files (one rule each, package main: one engine, one job per object);
- gatekeeper: the same with P ConstraintTemplates and their constraints (one job per constraint);

and prints the time each adds per object, with the engine's own cost (in-process, no worker) for
comparison. Then start-up: the modules a run without `--policy` imports from the policy engine (none
expected), the time of the plugin entry-point scan, and of `klint --version` and a one-object run.
Timings vary with the machine's load: compare figures from the same run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}
  namespace: team-{team}
  labels: {{app: web-{i}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web-{i}}}}}
  template:
    metadata: {{labels: {{app: web-{i}}}}}
    spec:
      securityContext: {{runAsNonRoot: true}}
      containers:
        - name: app
          image: {image}
          resources: {{limits: {{cpu: 500m, memory: 256Mi}}}}
          securityContext: {{allowPrivilegeEscalation: false, readOnlyRootFilesystem: true}}
        - name: sidecar
          image: envoyproxy/envoy:v1.31.0
"""

CONFTEST = """\
package main
import rego.v1

deny_check_{n} contains {{"msg": msg, "field": sprintf("spec.template.spec.containers[%d].image", [i])}} if {{
  some i, c in input.spec.template.spec.containers
  endswith(c.image, ":{tag}")
  msg := sprintf("container %s uses tag {tag}", [c.name])
}}
"""

TEMPLATE = """\
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {{name: k8scheck{n}}}
spec:
  crd: {{spec: {{names: {{kind: K8sCheck{n}}}}}}}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8scheck{n}
        violation[{{"msg": msg}}] {{
          c := input.review.object.spec.template.spec.containers[_]
          endswith(c.image, input.parameters.tag)
          msg := sprintf("container %v uses tag %v", [c.name, input.parameters.tag])
        }}
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sCheck{n}
metadata: {{name: check-{n}}}
spec:
  match: {{kinds: [{{apiGroups: [apps], kinds: [Deployment]}}]}}
  parameters: {{tag: ":{tag}"}}
"""


def write_corpus(root: Path, objects: int, policies: int) -> None:
    (root / "manifests").mkdir()
    for f in range(objects // 10):
        docs = [DEPLOYMENT.format(i=f * 10 + k, team=k % 4, image=f"nginx:1.{(f * 10 + k) % 30}")
                for k in range(10)]
        (root / "manifests" / f"m{f:04d}.yaml").write_text("---\n".join(docs))
    (root / "conftest").mkdir()
    (root / "gatekeeper").mkdir()
    for n in range(policies):
        (root / "conftest" / f"p{n}.rego").write_text(CONFTEST.format(n=n, tag=f"1.{n}"))
        (root / "gatekeeper" / f"t{n}.yaml").write_text(TEMPLATE.format(n=n, tag=f"1.{n}"))


def timed(args: list[str], runs: int) -> float:
    """The median wall time of `klint ARGS` in a fresh process."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from klint.cli import main; main()", *args],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def engine_only(root: Path, objects: int) -> float:
    """Seconds per object of the engine alone: the conftest policies in-process, no worker."""
    from klint.document import parse_documents
    from klint.k8s import objects_of
    from klint.policies.engine import Engine, Module
    from klint.source import Source

    engine = Engine()
    modules = sorted((root / "conftest").glob("*.rego"))
    for path in modules:
        engine.add_module(Module(str(path), path.read_text()))
    rules = [f"data.main.deny_check_{n}" for n in range(len(modules))]
    inputs = [json.dumps(obj.data) for path in sorted((root / "manifests").glob("*.yaml"))
              for document in parse_documents(Source.from_text(str(path), path.read_text()))
              for obj in objects_of(document)]
    start = time.perf_counter()
    for text in inputs:
        engine.set_input_json(text)
        for rule in rules:
            engine.evaluate_json(rule)
    return (time.perf_counter() - start) / len(inputs)


def startup(root: Path) -> None:
    probe = ("import sys\nfrom klint.cli import main\ntry:\n    main(['--format', 'json', sys.argv[1]])\n"
             "except SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if m.startswith(('regorus', 'klint.policies'))))")
    one = root / "manifests" / "m0000.yaml"
    out = subprocess.run([sys.executable, "-c", probe, str(one)], capture_output=True, text=True,
                         check=False).stdout.strip().splitlines()[-1]
    print(f"start-up: modules of the policy engine imported by a run without --policy: {out}")
    scan = subprocess.run([sys.executable, "-c", (
        "import time\nfrom importlib.metadata import entry_points\nt = time.perf_counter()\n"
        "entry_points(group='klint.rules')\nprint((time.perf_counter() - t) * 1000)")],
        capture_output=True, text=True, check=False).stdout.strip()
    print(f"start-up: plugin entry-point scan: {float(scan):.1f} ms")
    print(f"start-up: klint --version {timed(['--version'], 7) * 1000:.0f} ms; "
          f"klint on 10 objects {timed(['--format', 'json', str(one)], 7) * 1000:.0f} ms, "
          f"with {len(list((root / 'conftest').glob('*.rego')))} conftest policies "
          f"{timed(['--format', 'json', '--policy', str(root / 'conftest'), str(one)], 7) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--policies", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_corpus(root, options.objects, options.policies)
        manifests = str(root / "manifests")
        base = timed(["--format", "json", manifests], options.runs)
        with_policies = ["--format", "json", "--policy"]
        conftest = timed([*with_policies, str(root / "conftest"), manifests], options.runs)
        gatekeeper = timed([*with_policies, str(root / "gatekeeper"), manifests], options.runs)
        # The same on the first file (10 objects): what is left is start-up (the worker, the parsing).
        first = str(root / "manifests" / "m0000.yaml")
        base_10 = timed(["--format", "json", first], options.runs)
        conftest_10 = timed([*with_policies, str(root / "conftest"), first], options.runs)
        gatekeeper_10 = timed([*with_policies, str(root / "gatekeeper"), first], options.runs)
        n = options.objects
        print(f"{n} objects, {options.policies} policies; median of {options.runs} runs")
        print(f"rules only:  {base:.2f} s ({base / n * 1000:.2f} ms/object)")
        styles = (("conftest", conftest, conftest_10), ("gatekeeper", gatekeeper, gatekeeper_10))
        for name, total, small in styles:
            per_object = ((total - base) - (small - base_10)) / (n - 10)
            print(f"{name + ':':<12} {total:.2f} s: +{per_object * 1000:.3f} ms/object, "
                  f"+{(small - base_10) * 1000:.0f} ms start-up")
        print(f"engine alone (conftest policies, in-process): {engine_only(root, n) * 1000:.3f} ms/object")
        startup(root)


if __name__ == "__main__":
    main()
