"""Every .tf file parses and belongs to the configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.terraform import INFRA, Parsed


def test_every_tf_file_is_part_of_the_parsed_configuration(parsed: Parsed) -> None:
    files = {path.relative_to(INFRA).as_posix() for path in INFRA.rglob("*.tf")}
    seen = {
        item["__tfmeta"]["filename"].removeprefix("./")
        for items in parsed.raw.values()
        for item in items
        if isinstance(item, dict) and "__tfmeta" in item
    }
    # A file holding only variables still shows up through them; a module
    # directory that no module block uses would not show up at all.
    assert files - seen == set(), f"not reached from the root module: {sorted(files - seen)}"


def test_modules_are_local(parsed: Parsed) -> None:
    for module in parsed.resources("module"):
        # The root module's own modules, and a module's sibling (modules/task_execution).
        source = module["source"]
        local = source.startswith("./modules/") or (
            source.startswith("../") and (INFRA / "modules" / source.removeprefix("../")).is_dir()
        )
        assert local, f"{source}: registry modules cannot be fetched"


def test_the_parser_rejects_broken_hcl(tmp_path: Path) -> None:
    import tfparse

    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "x" {\n  name = "${<oops}"\n}\n')
    with pytest.raises(tfparse.ParseError):
        tfparse.load_from_path(tmp_path, stop_on_hcl_error=True)


def test_versions_admit_the_supported_toolchains(parsed: Parsed) -> None:
    # Terraform itself checks these against the binary and the provider it
    # installs (test_terraform.py); this pins down what the README states: the
    # provider the tests run, 5.x from 5.100 (the lock file records the build).
    terraform = parsed.resources("terraform")[0]
    assert terraform["required_version"] == ">= 1.11"
    aws = terraform["required_providers"]["aws"]
    assert aws["source"] == "hashicorp/aws"
    assert aws["version"] == "~> 5.100"
