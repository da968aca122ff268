"""`terraform test` fails when the wiring it guards is broken.

Each case copies infra/, makes one edit a reviewer could miss (the issuer the gateway checks, a
role that may sign in as any database user, the path the gateway sends requests to, ...), runs
`terraform test` with the dev settings, and expects it to fail with the message of the
assertion that guards that wiring. An edit that no longer applies (the code it breaks moved)
fails the case too, so that the case is brought up to date rather than left proving nothing.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.infra.terraform import INFRA
from tests.infra.test_terraform import Workdir, explain, find_mirror, find_terraform


@dataclass(frozen=True)
class Breakage:
    file: str
    old: str
    new: str
    # A part of the error message of the assertion that must catch it (its first line).
    caught_by: str


BREAKAGES = {
    # The authorizer and the services would check an issuer Cognito never writes in a token.
    "a bogus issuer": [
        Breakage(
            "modules/cognito/outputs.tf",
            'value       = "https://${aws_cognito_user_pool.this.endpoint}"',
            'value       = "https://cognito-idp.example.com/${aws_cognito_user_pool.this.id}"',
            "The authorizer checks the user pool's issuer",
        )
    ],
    # Every service could sign in as any database user, the master user included.
    "a task role that signs in as any database user": [
        Breakage(
            "modules/ecs_service/iam.tf",
            'Resource = ["arn:aws:rds-db:${var.region}:${var.account_id}:dbuser:'
            '${var.database.cluster_resource_id}/${var.database.user}"]',
            'Resource = ["arn:aws:rds-db:${var.region}:${var.account_id}:dbuser:'
            '${var.database.cluster_resource_id}/${var.database.user}", '
            '"arn:aws:rds-db:${var.region}:${var.account_id}:dbuser:*/*"]',
            "A service connects to the database as its own role only",
        )
    ],
    # Every request would reach the load balancer as `/`, whatever its route.
    "the gateway rewriting every path": [
        Breakage(
            "modules/api/main.tf",
            '{ "overwrite:header.x-request-id" = "$context.requestId" },',
            '{ "overwrite:header.x-request-id" = "$context.requestId", "overwrite:path" = "/" },',
            "The gateway drops inbound trace context",
        )
    ],
    # Who may publish events and whose forwarded headers count; who reads the master secret.
    "topics, forwarded headers and the master secret": [
        Breakage(
            "main.tf",
            "[module.service[topic.publisher].task_role_arns.worker]",
            "values(module.service[topic.publisher].task_role_arns)",
            "Each topic refuses sns:Publish to every principal but",
        ),
        Breakage(
            "modules/alb/main.tf",
            'xff_header_processing_mode = "remove"',
            'xff_header_processing_mode = "append"',
            "The load balancer, in the private subnets the APIs trust, removes",
        ),
        Breakage(
            "main.tf",
            "forwarded_allow_ips = module.network.private_subnet_cidrs",
            "forwarded_allow_ips = [var.vpc_cidr]",
            "Every API believes X-Forwarded-For from the load balancer's subnets",
        ),
        Breakage(
            "modules/ecs_service/iam.tf",
            "secret_arns = reads_saga_key ? [var.saga.key_arn] : []",
            'secret_arns = concat(reads_saga_key ? [var.saga.key_arn] : [], ["*"])',
            "Exactly one role may read the database's master secret",
        ),
    ],
}


@pytest.fixture(scope="module")
def tools() -> tuple[str, Path]:
    terraform, mirror = find_terraform(), find_mirror()
    if terraform is None or mirror is None:
        pytest.skip(
            "no terraform binary or no local mirror of the hashicorp/aws provider (TERRAFORM, "
            "TF_PLUGIN_MIRROR): the breakages were not tried"
        )
    return terraform, mirror


@pytest.mark.parametrize("name", sorted(BREAKAGES))
def test_terraform_test_catches(tools: tuple[str, Path], tmp_path: Path, name: str) -> None:
    terraform, mirror = tools
    copy = tmp_path / "infra"
    shutil.copytree(INFRA, copy, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    for breakage in BREAKAGES[name]:
        path = copy / breakage.file
        text = path.read_text()
        assert text.count(breakage.old) == 1, f"{breakage.file} no longer has {breakage.old!r}"
        path.write_text(text.replace(breakage.old, breakage.new))

    env = {
        "TF_DATA_DIR": str(tmp_path / "data"),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "TF_CLI_CONFIG_FILE": os.devnull,
    }
    work = Workdir(terraform, copy, {**os.environ, **env})
    init = work.run(
        "init", "-backend=false", f"-plugin-dir={mirror}", "-lockfile=readonly", "-no-color"
    )
    assert init.returncode == 0, explain(init)
    result = work.run("test", "-var-file=env/dev.tfvars", "-no-color")
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0, f"terraform test passed with {name}: {explain(result)}"
    assert "Test assertion failed" in output, explain(result)
    for breakage in BREAKAGES[name]:
        assert " ".join(breakage.caught_by.split()) in output, (
            f"{breakage.file}: not caught by {breakage.caught_by!r}: {explain(result)}"
        )
