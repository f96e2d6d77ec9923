"""deploy/kubernetes through the real tools, without a cluster: kubectl renders, kubernetes-validate, checkov.

Every overlay (tests/utils/kubernetes.py, OVERLAY_NAMES) is rendered by `kubectl kustomize`; every object is
validated in strict mode (unknown fields are errors) against the oldest Kubernetes minor the manifests
support and a recent one; checkov's Kubernetes checks find nothing, a check being skipped only on the
resource itself with its reason (`checkov.io/skipN: CKV_K8S_N=reason`). kubernetes-validate has no schema for
the Prometheus Operator's ServiceMonitor: a test here checks it field by field.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.utils.kubernetes import (
    KUBECTL_MINIMUM,
    OVERLAY_NAMES,
    Object,
    ToolMissing,
    checkov,
    kubectl,
    kubectl_version,
    named,
    of_kind,
    parse,
    rendered_overlay,
)

# The oldest minor supported (autoscaling/v2, policy/v1, seccompProfile and the restricted Pod Security
# labels are all GA by then) and a recent one.
KUBERNETES_VERSIONS = ("1.28.0", "1.35.0")
KUBERNETES_VALIDATE = Path(sys.executable).parent / "kubernetes-validate"
# Kinds of custom resources, which no Kubernetes schema covers: checked by a test of their own here.
CUSTOM_KINDS = {"ServiceMonitor"}


def _rendered(overlay: str) -> str:
    try:
        return rendered_overlay(overlay)
    except ToolMissing as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def rendered_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each overlay rendered into a file of its own, as a user's `kubectl kustomize > FILE` would."""
    directory = tmp_path_factory.mktemp("kubernetes-rendered")
    for overlay in OVERLAY_NAMES:
        (directory / f"{overlay}.yaml").write_text(_rendered(overlay))
    return directory


def test_kubectl_is_there_and_recent_enough() -> None:
    try:
        binary = kubectl()
    except ToolMissing as error:
        pytest.fail(str(error))
    assert kubectl_version(binary) >= KUBECTL_MINIMUM


@pytest.mark.parametrize("overlay", OVERLAY_NAMES)
def test_every_overlay_renders_with_every_object_in_its_namespace(overlay: str) -> None:
    objects = parse(_rendered(overlay))
    assert objects
    (namespace,) = of_kind(objects, "Namespace")
    for each in objects:
        if each["kind"] != "Namespace":
            assert each["metadata"].get("namespace") == namespace["metadata"]["name"], each["metadata"]


def _validate(path: Path, version: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KUBERNETES_VALIDATE), "--kubernetes-version", version, "--strict", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAY_NAMES)
def test_every_object_is_valid_in_strict_mode(rendered_dir: Path, overlay: str, version: str) -> None:
    result = _validate(rendered_dir / f"{overlay}.yaml", version)
    assert result.returncode == 0, result.stdout + result.stderr
    objects = parse(_rendered(overlay))
    minor = version.rsplit(".", 1)[0]
    passed = [line for line in result.stdout.splitlines() if "passed for resource" in line]
    assert all(line.endswith(f"against version {minor}") for line in passed)
    # Every object passed but the custom resources, whose absent schema is the one warning.
    assert len(passed) == len([each for each in objects if each["kind"] not in CUSTOM_KINDS])
    unchecked = [line for line in result.stdout.splitlines() if "Couldn't find schema" in line]
    assert all(any(f"kind {kind} " in line for kind in CUSTOM_KINDS) for line in unchecked), unchecked


def test_strict_validation_refuses_an_unknown_field(tmp_path: Path) -> None:
    objects = parse(_rendered("prod"))
    deployment = named(objects, "Deployment", "records-shop-api")
    # A typo a cluster would drop silently (or refuse, with server-side field validation).
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/"}}
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(deployment))
    result = _validate(broken, KUBERNETES_VERSIONS[0])
    assert result.returncode != 0
    assert "readinesProbe" in result.stdout + result.stderr


def _checkov(directory: Path) -> dict[str, Any]:
    try:
        binary = checkov()
    except ToolMissing as error:
        pytest.fail(str(error))
    result = subprocess.run(
        # --skip-download: no call to the vendor's platform (there is no network in CI).
        [binary, "-d", str(directory), "--framework", "kubernetes", "--skip-download", "--output", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # 0: nothing failed, 1: a check failed; anything else is checkov itself failing.
    assert result.returncode in (0, 1), result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


# checkov takes a few seconds a run.
@pytest.mark.slow
def test_checkov_fails_no_check_and_skips_only_with_a_reason_on_the_resource(rendered_dir: Path) -> None:
    report = _checkov(rendered_dir)
    summary, results = report["summary"], report["results"]
    failed = [f"{each['check_id']} {each['resource']}" for each in results["failed_checks"]]
    assert failed == []
    assert summary["failed"] == 0
    assert summary["passed"] > 100
    for skipped in results["skipped_checks"]:
        assert skipped["check_result"]["suppress_comment"].strip(), skipped["check_id"]
    # The skips are the annotations on the resources (tests below name which and why), nothing else.
    annotated = {
        (value.split("=", 1)[0], each["kind"], each["metadata"]["name"])
        for overlay in OVERLAY_NAMES
        for each in parse(_rendered(overlay))
        for key, value in each["metadata"].get("annotations", {}).items()
        if key.startswith("checkov.io/skip")
    }
    skipped_ids = {
        (each["check_id"], each["resource"].split(".")[0], each["resource"].rsplit(".", 1)[-1])
        for each in results["skipped_checks"]
    }
    assert skipped_ids <= annotated


@pytest.mark.slow
def test_checkov_fails_a_container_that_may_escalate_its_privileges(tmp_path: Path) -> None:
    objects = parse(_rendered("prod"))
    deployment = named(objects, "Deployment", "records-shop-api")
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = (
        True
    )
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(deployment))
    report = _checkov(tmp_path)
    assert "CKV_K8S_20" in {each["check_id"] for each in report["results"]["failed_checks"]}


def _service_monitor() -> tuple[Object, list[Object]]:
    objects = parse(_rendered("dev-full"))
    (monitor,) = of_kind(objects, "ServiceMonitor")
    return monitor, objects


def test_the_service_monitor_scrapes_every_api_pod_through_the_service() -> None:
    # What kubernetes-validate cannot check: the Prometheus Operator's CRD, field by field.
    monitor, objects = _service_monitor()
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(monitor) == {"apiVersion", "kind", "metadata", "spec"}
    assert set(monitor["spec"]) == {"selector", "endpoints"}
    service = named(objects, "Service", "records-shop-api")
    assert monitor["metadata"]["namespace"] == service["metadata"]["namespace"]
    # The selector picks the API's Service by its labels, and only it.
    matched = [
        each
        for each in of_kind(objects, "Service")
        if all(
            each["metadata"].get("labels", {}).get(key) == value
            for key, value in monitor["spec"]["selector"]["matchLabels"].items()
        )
    ]
    assert matched == [service]
    (endpoint,) = monitor["spec"]["endpoints"]
    assert set(endpoint) <= {"port", "path", "interval", "scrapeTimeout", "scheme"}
    # The port is the Service's by name, the path the contract's metrics path.
    assert endpoint["port"] in {port["name"] for port in service["spec"]["ports"]}
    assert endpoint["path"] == "/metrics"
    interval, timeout = (int(endpoint[key].removesuffix("s")) for key in ("interval", "scrapeTimeout"))
    assert 0 < timeout <= interval
