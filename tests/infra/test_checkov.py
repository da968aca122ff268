"""checkov passes with zero failed checks; every skip is in .checkov.yaml with its reason."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.infra.terraform import CHECKOV, INFRA
from tests.support.tools import uv_tool

CONFIG = INFRA / ".checkov.yaml"


def checkov(directory: Path, *extra: str) -> dict[str, Any]:
    result = uv_tool(
        CHECKOV,
        "checkov",
        "--directory",
        str(directory),
        "--framework",
        "terraform",
        "--skip-download",
        "--output",
        "json",
        *extra,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        output = f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        pytest.fail(f"checkov did not produce a report (exit {result.returncode}):\n{output}")
    # One framework gives one report; several give a list.
    first: dict[str, Any] = report[0] if isinstance(report, list) else report
    return first


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return checkov(
        INFRA, "--config-file", str(CONFIG), "--var-file", str(INFRA / "env" / "prod.tfvars")
    )


def test_checkov_parses_everything(report: dict[str, Any]) -> None:
    # checkov exits 0 when it cannot parse a file, so the count is what counts.
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["resource_count"] > 200, "checkov saw too little of the configuration"


def test_checkov_finds_nothing(report: dict[str, Any]) -> None:
    failed = [
        f"{check['check_id']} {check['resource']} ({check['file_path']}): {check['check_name']}"
        for check in report["results"]["failed_checks"]
    ]
    assert failed == [], "\n".join(failed)
    assert report["summary"]["passed"] > 0


def test_checkov_notices_parse_errors(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "x" {\n  name =\n')
    assert checkov(tmp_path)["summary"]["parsing_errors"] > 0


def test_every_skip_is_justified_in_the_config_file() -> None:
    lines = CONFIG.read_text().splitlines()
    start = lines.index("skip-check:")
    skips = 0
    for number, line in enumerate(lines[start + 1 :], start=start + 1):
        entry = re.match(r"\s*-\s*(CKV2?_[A-Z]+_\d+)\s*(#.*)?$", line)
        if not entry:
            continue
        skips += 1
        assert entry.group(2), f"line {number + 1}: {entry.group(1)} says nothing of what it skips"
        above = next(
            text.strip()
            for text in reversed(lines[start:number])
            if not re.match(r"\s*-\s*CKV", text)
        )
        assert above.startswith("#"), f"line {number + 1}: {entry.group(1)} has no reason above it"
        assert len(above) > 20, f"line {number + 1}: {entry.group(1)} has no reason above it"
    assert skips > 0


def test_no_check_is_skipped_inline() -> None:
    for path in INFRA.rglob("*.tf"):
        assert "checkov:skip" not in path.read_text(), f"{path}: skips belong in .checkov.yaml"
