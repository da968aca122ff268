"""Terraform proves the configuration itself: fmt, init from a local provider mirror, validate,
and `terraform test` (a mock apply of dev and of prod, infra/tests/shop.tftest.hcl).

Needs a `terraform` binary (>= 1.11) and a filesystem mirror of the hashicorp/aws provider: the
binary from TERRAFORM or the PATH, the mirror from TF_PLUGIN_MIRROR or the first of the usual
places that holds one. Nothing is fetched from the network. Without either, the tests are
skipped with the reason (pytest's summary prints it). Terraform runs in a copy of infra/ in a
temporary directory, so no .terraform/ lands in the repository, and `init` may not change the
committed lock file: the mirror's provider must be the build it records.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.infra.terraform import ENVIRONMENTS, INFRA

MIRROR_CANDIDATES = (
    Path("/opt/tf-plugins"),
    Path.home() / ".terraform.d" / "plugins",
    Path("/usr/local/share/terraform/plugins"),
    Path("/usr/share/terraform/plugins"),
)
# A mirror holds <origin host>/hashicorp/aws/<version>/<platform>/; any origin will do.
PROVIDER = Path("hashicorp") / "aws"


def find_terraform() -> str | None:
    return os.environ.get("TERRAFORM") or shutil.which("terraform")


def find_mirror() -> Path | None:
    """The mirror folder (the one above the provider's origin host) holding the AWS provider."""
    given = os.environ.get("TF_PLUGIN_MIRROR")
    candidates = (Path(given),) if given else MIRROR_CANDIDATES
    for root in candidates:
        for provider in root.glob(f"*/{PROVIDER}") if root.is_dir() else ():
            if any(provider.iterdir()):
                return root
    return None


@dataclass(frozen=True)
class Workdir:
    terraform: str
    path: Path
    env: dict[str, str]

    def run(self, *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                [self.terraform, *args],
                cwd=self.path,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            pytest.fail(f"terraform {args[0]} did not finish: {error}")


def explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Workdir:
    terraform = find_terraform()
    if terraform is None:
        pytest.skip(
            "no terraform binary (set TERRAFORM or put it on PATH): validate and "
            "terraform test of infra/ did not run"
        )
    mirror = find_mirror()
    if mirror is None:
        pytest.skip(
            "no local mirror of the hashicorp/aws provider (set TF_PLUGIN_MIRROR to the "
            "folder above the provider's origin host): validate and terraform test did not run"
        )
    base = tmp_path_factory.mktemp("terraform")
    copy = base / "infra"
    shutil.copytree(
        INFRA,
        copy,
        ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"),
    )
    env = {
        **os.environ,
        "TF_DATA_DIR": str(base / "data"),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "TF_CLI_CONFIG_FILE": os.devnull,  # no user settings, no network mirror
    }
    work = Workdir(terraform, copy, env)
    init = work.run(
        "init", "-backend=false", f"-plugin-dir={mirror}", "-lockfile=readonly", "-no-color"
    )
    assert init.returncode == 0, f"terraform init from {mirror} failed: {explain(init)}"
    return work


def test_fmt() -> None:
    terraform = find_terraform()
    if terraform is None:
        pytest.skip("no terraform binary (set TERRAFORM or put it on PATH): fmt did not run")
    result = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", "-diff", "-no-color"],
        cwd=INFRA,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"run `terraform fmt -recursive` in infra/: {explain(result)}"


def test_validate(workdir: Workdir) -> None:
    result = workdir.run("validate", "-no-color")
    assert result.returncode == 0, explain(result)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_mock_apply(workdir: Workdir, environment: str) -> None:
    result = workdir.run("test", f"-var-file=env/{environment}.tfvars", "-no-color")
    assert result.returncode == 0, explain(result)
    assert " passed, 0 failed" in result.stdout, explain(result)


def test_the_provider_is_locked_to_the_tested_build() -> None:
    lock = (INFRA / ".terraform.lock.hcl").read_text()
    blocks = re.findall(r'provider "([^"]+)" \{(.*?)\n\}', lock, re.DOTALL)
    assert [name for name, _ in blocks] == ["registry.terraform.io/hashicorp/aws"]
    body = blocks[0][1]
    assert re.search(r'^\s*version\s*=\s*"5\.100\.0"$', body, re.MULTILINE), body
    assert re.search(r'^\s*constraints\s*=\s*"~> 5\.100"$', body, re.MULTILINE), body
    # linux_amd64, made from the provider mirror (an h1: hash of the unpacked package).
    assert re.findall(r'"(h1:[A-Za-z0-9+/=]+)"', body), body
    versions = (INFRA / "versions.tf").read_text()
    assert re.search(r'version\s*=\s*"~> 5\.100"', versions), "versions.tf pins ~> 5.100"
