"""What a workload or object exposes that its fields do not make obvious: credentials in plain env
values, traffic that a Service's external IPs capture, host paths behind a PersistentVolume, a
volume that runs git on the node, processes shared between containers, names resolved off DNS."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from klint.k8s import Container, K8sObject, PodSpec, as_dict, as_list
from klint.rule import ContainerRule, KindRule, PodRule, Severity, Violation
from klint.rules.common import pod_field
from klint.rules.objects import PRIVATE_KEY, is_literal, names_credential

SECRET_DOC = "https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables"


@lru_cache(maxsize=4096)  # asked for every env entry of every container: the same names again and again
def names_env_credential(name: str) -> bool:
    """An environment variable's name that names a credential: as a ConfigMap key does, or ending with
    TOKEN or SECRET (`GITHUB_TOKEN`, `JWT_SECRET`)."""
    return names_credential(name) or name.strip().lower().endswith(("token", "secret"))


class EnvCredentials(ContainerRule):
    """Containers should not hold credentials as literal environment values.

    ## What it checks
    Each `env` entry of every container, init container and ephemeral container: it fails
    when the variable's name names a credential (it ends with a word `configmap-credentials`
    knows, such as `PASSWORD`, `SECRET_KEY`, `API_KEY`, or with `TOKEN` or `SECRET`; `-` is
    read as `_`) and its `value` is a literal, not a placeholder (`$(VAR)`, `{{ }}`,
    `<...>`, `***`, empty); and for any value that holds a private key as PEM writes it
    (`-----BEGIN ... PRIVATE KEY-----`: Polaris also fails a three-dash look-alike). A
    `valueFrom` passes. Beyond the Pod Security Standards. kube-linter's `env-var-secret` fails any name
    that contains `SECRET` (`SECRET_BLAH`); klint wants the name to end with the word, so
    that `SECRET_NAME` or `TOKEN_TTL` pass.

    ## Why
    A literal value is stored in the object, readable by everyone who can read the workload
    (far more subjects than can read Secrets), in every `kubectl get -o yaml`, in the
    repository's history and in the API server's audit log.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      containers:
        - name: app
          image: nginx:1.27
          env:
            - name: DB_PASSWORD
              value: hunter2
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      containers:
        - name: app
          image: nginx:1.27
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: db
                  key: password
    ```

    ## Fix
    No automatic fix: move the value to a Secret, refer to it with `valueFrom.secretKeyRef`,
    and rotate it, since it has been exposed.
    """

    code = "KL704"
    name = "env-credentials"
    topic = "exposure"
    severity = Severity.HIGH
    precision = "high"
    references = (SECRET_DOC,)
    equivalents = {"kube-linter": ("env-var-secret",), "polaris": ("sensitiveContainerEnvVar",)}

    def check_container(self, container: Container) -> Iterator[Violation]:
        for index, entry in enumerate(as_list(container.data.get("env"))):
            entry = as_dict(entry)
            name, value = entry.get("name"), entry.get("value")
            if not isinstance(name, str) or not isinstance(value, str):
                continue
            if PRIVATE_KEY.search(value) or (names_env_credential(name) and "\n" not in value.strip()
                                             and is_literal(value)):
                setting = (*container.path, "env", index, "value")
                where = pod_field(container.pod, setting)
                yield Violation(setting, f'container "{container.name}" holds a credential in the '
                                         f"environment variable {name} ({where}); refer to a Secret with "
                                         "valueFrom.secretKeyRef", container=container.name)


class ServiceExternalIPs(KindRule):
    """Services should not set external IPs.

    ## What it checks
    `spec.externalIPs` of Services: each address listed is a finding. Beyond the Pod
    Security Standards.

    ## Why
    kube-proxy on every node routes traffic for a Service's external IPs to its pods,
    whatever those addresses are (CVE-2020-8554): a Service may claim the address of another
    service, inside or outside the cluster, and intercept its traffic. The upstream advice
    is to forbid the field with an admission policy (the `DenyServiceExternalIPs` plugin).

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Service
    metadata:
      name: web
    spec:
      selector:
        app: web
      ports:
        - port: 80
      externalIPs:
        - 203.0.113.10
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Service
    metadata:
      name: web
    spec:
      type: LoadBalancer
      selector:
        app: web
      ports:
        - port: 80
    ```

    ## Fix
    No automatic fix: use a LoadBalancer Service (or an Ingress), whose addresses the
    platform assigns.
    """

    code = "KL705"
    name = "service-external-ips"
    topic = "exposure"
    severity = Severity.MEDIUM
    references = ("https://github.com/kubernetes/kubernetes/issues/97076",)
    equivalents = {"trivy": ("KSV108",)}

    kinds = ("Service",)

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        for index, address in enumerate(as_list(obj.get(("spec", "externalIPs")))):
            yield Violation(("spec", "externalIPs", index),
                            f'Service "{obj.ref.name}" claims the external IP {address} (spec.externalIPs'
                            f"[{index}]): kube-proxy routes that address to it on every node "
                            "(CVE-2020-8554); use a LoadBalancer Service instead")


class PersistentVolumeHostPath(KindRule):
    """PersistentVolumes should not be host paths.

    ## What it checks
    `spec.hostPath` and `spec.local` of PersistentVolumes. Beyond the Pod Security Standards.

    ## Why
    A claim bound to such a volume mounts a directory of a node into the pod, and Pod
    Security Admission sees only the claim: a `hostPath` by another door, past the baseline
    standard's ban. (`local` volumes are meant for node-local disks; a path that is not a
    dedicated disk is the same danger.)

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: PersistentVolume
    metadata:
      name: data
    spec:
      capacity:
        storage: 10Gi
      accessModes: [ReadWriteOnce]
      hostPath:
        path: /var/lib/data
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: PersistentVolume
    metadata:
      name: data
    spec:
      capacity:
        storage: 10Gi
      accessModes: [ReadWriteOnce]
      csi:
        driver: ebs.csi.aws.com
        volumeHandle: vol-0123456789abcdef0
    ```

    ## Fix
    No automatic fix: use a storage class with a CSI driver; keep `local` volumes to
    dedicated disks.
    """

    code = "KL706"
    name = "persistent-volume-host-path"
    topic = "exposure"
    severity = Severity.HIGH
    references = ("https://kubernetes.io/docs/concepts/storage/volumes/#hostpath",)

    kinds = ("PersistentVolume",)

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        for source in ("hostPath", "local"):
            path = as_dict(obj.get(("spec", source))).get("path")
            if isinstance(path, str):
                yield Violation(("spec", source, "path"),
                                f'PersistentVolume "{obj.ref.name}" is the host path {path} '
                                f"(spec.{source}); pods whose claims bind to it mount the node's directory")


class GitRepoVolume(PodRule):
    """Pods must not use gitRepo volumes.

    ## What it checks
    Each of the pod's volumes, for a `gitRepo` source, at every profile (the restricted
    standard forbids it with every other non-allowed type: `restricted-volume-types`).
    Beyond the Pod Security Standards' baseline.

    ## Why
    The kubelet runs `git` on the node, as root, to fill the volume: a repository crafted
    with hooks or configuration runs code on the node (CVE-2024-10220, and CVE-2018-11235
    before it). The volume type is deprecated and disabled from Kubernetes 1.33.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      containers:
        - name: app
          image: nginx:1.27
      volumes:
        - name: site
          gitRepo:
            repository: https://example.com/site.git
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      initContainers:
        - name: clone
          image: alpine/git:2.45.2
          args:
            - clone
            - https://example.com/site.git
            - /site
      containers:
        - name: app
          image: nginx:1.27
      volumes:
        - name: site
          emptyDir: {}
    ```

    ## Fix
    No automatic fix: clone in an init container into an `emptyDir`, as the passing example
    does.
    """

    code = "KL505"
    name = "git-repo-volume"
    topic = "exposure"
    severity = Severity.HIGH
    references = ("https://kubernetes.io/docs/concepts/storage/volumes/#gitrepo",
                  "https://github.com/kubernetes/kubernetes/issues/128885")

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        for index, volume in enumerate(as_list(pod.data.get("volumes"))):
            if "gitRepo" in as_dict(volume):
                setting = (*pod.path, "volumes", index, "gitRepo")
                yield Violation(setting, f'volume "{as_dict(volume).get("name")}" is a gitRepo volume '
                                         f"({pod_field(pod, setting)}): the kubelet runs git on the node as "
                                         "root (CVE-2024-10220); clone in an init container instead")


class ShareProcessNamespace(PodRule):
    """Pods should not share one process namespace between their containers.

    ## What it checks
    `shareProcessNamespace: true` in the pod spec. Beyond the Pod Security Standards.

    ## Why
    Every container then sees and can signal the others' processes, and reads their
    environment and files through `/proc/PID/root`: a compromised sidecar reaches the main
    container's secrets.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      shareProcessNamespace: true
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Fix
    No automatic fix: keep it to pods whose containers must signal each other, and use
    `kubectl debug --target` for debugging.
    """

    code = "KL208"
    name = "share-process-namespace"
    topic = "exposure"
    severity = Severity.LOW
    references = ("https://kubernetes.io/docs/tasks/configure-pod-container/share-process-namespace/",)

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        setting = pod.field("shareProcessNamespace")
        if setting.value is True:
            yield Violation(setting.path, "pod shares one process namespace between its containers "
                                          "(shareProcessNamespace: true); remove it unless they must signal "
                                          "each other")


class HostAliases(PodRule):
    """Pods should not override name resolution with hostAliases.

    ## What it checks
    Each entry of the pod spec's `hostAliases`. Beyond the Pod Security Standards.

    ## Why
    The entries are written into the containers' `/etc/hosts` and win over DNS: a manifest
    can send a well-known name (a registry, an API endpoint) to an address of its choosing,
    out of sight of DNS policy and monitoring.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      hostAliases:
        - ip: 203.0.113.7
          hostnames: [api.example.com]
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Fix
    No automatic fix: publish the name in DNS (a Service, an ExternalName Service).
    """

    code = "KL209"
    name = "host-aliases"
    topic = "exposure"
    severity = Severity.LOW
    references = ("https://kubernetes.io/docs/tasks/network/customize-hosts-file-for-pods/",)

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        for index, alias in enumerate(as_list(pod.data.get("hostAliases"))):
            alias = as_dict(alias)
            names = ", ".join(str(name) for name in as_list(alias.get("hostnames")))
            setting = (*pod.path, "hostAliases", index)
            where = pod_field(pod, setting)
            yield Violation(setting, f"pod resolves {names or 'names'} to {alias.get('ip')} through "
                                     f"/etc/hosts ({where}); publish the name in DNS instead")
