"""Dependency audit: every package the lock pins, and the emulator's own pinned environment,
checked against the known-vulnerability database by pip-audit in an environment of its own.

An accepted vulnerability is listed with its justification in security/audit-exceptions.toml.
Where the vulnerability database cannot be reached the audit is skipped, saying so."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXCEPTIONS = ROOT / "security" / "audit-exceptions.toml"
PIP_AUDIT = "pip-audit==2.10.1"
SYSTEM_CERTS = Path("/etc/ssl/certs/ca-certificates.crt")


def _exceptions() -> dict[str, str]:
    accepted: dict[str, str] = tomllib.loads(EXCEPTIONS.read_text())["exceptions"]
    return accepted


def test_every_accepted_vulnerability_is_justified() -> None:
    for vulnerability, why in _exceptions().items():
        assert len(why.split()) >= 5, f"{vulnerability}: say why it does not apply"


def _locked(tmp_path: Path, uv: str) -> Path:
    path = tmp_path / "locked.txt"
    subprocess.run(
        [uv, "export", "--frozen", "--format", "requirements-txt", "--all-groups",
         "--no-emit-workspace", "--no-hashes", "--output-file", str(path)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    return path


def _audit(uv: str, requirements: Path, report: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if SYSTEM_CERTS.exists():  # networks that inspect TLS put their CA in the system store
        env.setdefault("UV_SYSTEM_CERTS", "1")
        env.setdefault("REQUESTS_CA_BUNDLE", str(SYSTEM_CERTS))
    ignored = [arg for vulnerability in _exceptions() for arg in ("--ignore-vuln", vulnerability)]
    return subprocess.run(
        [uv, "tool", "run", "--from", PIP_AUDIT, "pip-audit", "--requirement", str(requirements),
         "--no-deps", "--disable-pip", "--progress-spinner", "off", "--format", "json",
         "--output", str(report), *ignored],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


@pytest.mark.parametrize("environment", ["workspace", "emulator"])
def test_the_pinned_dependencies_have_no_known_vulnerabilities(
    tmp_path: Path, environment: str
) -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    requirements = (
        _locked(tmp_path, uv)
        if environment == "workspace"
        else ROOT / "docker" / "emulator" / "requirements.txt"
    )
    report = tmp_path / "audit.json"
    done = _audit(uv, requirements, report)
    if not report.exists():
        pytest.skip(f"pip-audit could not run here: {done.stderr.strip()[-500:]}")
    dependencies: list[dict[str, Any]] = json.loads(report.read_text())["dependencies"]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    if not audited:
        pytest.skip(
            "the vulnerability database could not be reached: none of the "
            f"{len(dependencies)} pinned packages could be looked up"
        )
    found = [
        f"{d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v['fix_versions']) or '-'})"
        for d in audited
        for v in d.get("vulns", [])
    ]
    assert not found, "known vulnerabilities:\n" + "\n".join(found)
    unaudited = [d["name"] for d in dependencies if d.get("skip_reason")]
    assert not unaudited, f"not audited: {unaudited}"
