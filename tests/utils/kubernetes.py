"""deploy/kubernetes rendered by `kubectl kustomize`, and the tools that check it (kubectl, checkov).

kubectl and checkov are not Python dependencies of the project: kubectl comes with the machine (Debian's
`kubernetes-client` 1.20 is too old for these kustomizations) and checkov lives in `.venv-tools` (`make
tools`: it pins packaging<24, which pytest cannot share). A missing or too old one fails the test that needs
it, naming what to install: these tests are the only proof the manifests get without a cluster.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from server.config.paths import PROJECT_ROOT

KUBERNETES = PROJECT_ROOT / "deploy" / "kubernetes"
OVERLAYS = KUBERNETES / "overlays"
# Every overlay the tests render: dev and prod, and dev with the optional components (load client,
# ServiceMonitor), so that those are validated and checked too.
OVERLAY_NAMES = ("dev", "prod", "dev-full")
# kustomize v5 (kubectl 1.27) reads `labels:` with includeSelectors and components as these files write them.
KUBECTL_MINIMUM = (1, 27)
CHECKOV = PROJECT_ROOT / ".venv-tools" / "bin" / "checkov"

Object = dict[str, Any]


class ToolMissing(RuntimeError):
    """A program the Kubernetes tests need is absent or too old; the message says what to install."""


def kubectl() -> str:
    """kubectl's path once its version is at least KUBECTL_MINIMUM."""
    found = shutil.which("kubectl")
    if found is None:
        raise ToolMissing(
            "kubectl not found: install kubectl >= 1.27 (Debian's kubernetes-client 1.20 is too old)"
        )
    version = kubectl_version(found)
    if version < KUBECTL_MINIMUM:
        raise ToolMissing(
            f"{found} is kubectl {version[0]}.{version[1]}: the overlays need kubectl >= 1.27 (kustomize v5)"
        )
    return found


def kubectl_version(binary: str) -> tuple[int, int]:
    result = subprocess.run(
        [binary, "version", "--client", "--output=json"], capture_output=True, text=True, timeout=60
    )
    if result.returncode != 0:
        raise ToolMissing(f"`{binary} version --client` failed: {result.stderr.strip()}")
    client = json.loads(result.stdout)["clientVersion"]
    # Vendors append to the minor ("27+"): its leading digits are the version.
    minor = re.match(r"\d+", client["minor"])
    return int(client["major"]), int(minor.group() if minor else 0)


def render_text(directory: Path) -> str:
    result = subprocess.run(
        [kubectl(), "kustomize", str(directory)], capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise AssertionError(f"kubectl kustomize {directory} failed:\n{result.stderr}")
    return result.stdout


@functools.cache
def rendered_overlay(name: str) -> str:
    """An overlay as `kubectl kustomize` renders it, once per test session."""
    return render_text(OVERLAYS / name)


def parse(text: str) -> list[Object]:
    return [document for document in yaml.safe_load_all(text) if document]


def checkov() -> str:
    if not CHECKOV.exists():
        raise ToolMissing(f"{CHECKOV} not found: run `make tools` (make test and make test-fast do)")
    return str(CHECKOV)


# Selecting objects out of a rendering.


def of_kind(objects: list[Object], kind: str) -> list[Object]:
    return [each for each in objects if each["kind"] == kind]


def named(objects: list[Object], kind: str, name: str) -> Object:
    (found,) = [each for each in of_kind(objects, kind) if each["metadata"]["name"] == name]
    return found


def workloads(objects: list[Object]) -> Iterator[Object]:
    """Every object that runs pods."""
    for each in objects:
        if each["kind"] in ("Deployment", "StatefulSet", "Job", "DaemonSet", "CronJob"):
            yield each


def pod_spec(workload: Object) -> Object:
    spec: Object = workload["spec"]["template"]["spec"]
    return spec


def pod_labels(workload: Object) -> dict[str, str]:
    labels: dict[str, str] = workload["spec"]["template"]["metadata"]["labels"]
    return labels


def container(workload: Object, name: str) -> Object:
    containers: list[Object] = pod_spec(workload)["containers"]
    (found,) = [each for each in containers if each["name"] == name]
    return found


def environment(objects: list[Object], workload_container: Object) -> dict[str, str | None]:
    """The variables a container gets: its ConfigMaps' keys with their values, `env` (secrets as None)."""
    variables: dict[str, str | None] = {}
    for source in workload_container.get("envFrom", []):
        if "configMapRef" in source:
            variables.update(named(objects, "ConfigMap", source["configMapRef"]["name"])["data"])
        if "secretRef" in source:
            secret = [
                each
                for each in of_kind(objects, "Secret")
                if each["metadata"]["name"] == source["secretRef"]["name"]
            ]
            for each in secret:
                variables.update(dict.fromkeys(each.get("data", {})))
    for variable in workload_container.get("env", []):
        variables[variable["name"]] = variable.get("value")
    return variables


def selects(selector: Object, labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels and matchExpressions In/NotIn/Exists) picks these labels."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True
