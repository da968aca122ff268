"""The whole dev configuration applied for real, offline: every resource created, a second plan
with no changes, and a destroy that leaves nothing.

Terraform runs the AWS provider against two local emulators: ministack (tests/support/emulator.py)
and moto (tests/support/moto.py, docker/emulator/moto_server.py), each service at the one that
can serve it; `ENDPOINTS` says which and why, and infra/README.md ("Against the local emulators")
what that proves and what it does not. It works in a copy of infra/ in a temporary directory,
with the emulators' provider settings in an `*_override.tf` file written there only, so nothing
lands in the repository and a real deploy never sees them.

Needs `terraform`, the local provider mirror (as tests/infra/test_terraform.py) and `uv` (to run
the emulators in their own environments); without one of them the test is skipped, with the
reason. It takes several minutes, most of it the provider's own waits (SQS attribute propagation,
the Aurora instance), and prints its figures.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import string
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.infra.terraform import INFRA
from tests.infra.test_terraform import find_mirror, find_terraform
from tests.support.emulator import fresh_emulator
from tests.support.moto import running_moto

ENVIRONMENT = "dev"
# Both emulators answer for this account: ministack takes a 12-digit access key as the account,
# moto is started with it. One account means one set of ARNs, and the provider reads it from
# STS as it would in AWS (no skip_requesting_account_id).
ACCOUNT_ID = "111122223333"

# The provider's endpoint keys, each with the emulator that serves it.
MOTO, MINISTACK = "moto", "ministack"
ENDPOINTS = {
    # ministack emulates neither VPC links nor Application Auto Scaling.
    "apigatewayv2": MOTO,
    "appautoscaling": MOTO,
    # Application Auto Scaling registers a target only for an ECS service its own ECS holds, as
    # AWS does; moto's ECS in turn checks each service's subnets and security groups in its own
    # EC2; an RDS subnet group needs those subnets in the same EC2, and moto's RDS looks up the
    # cluster's KMS key in its own KMS.
    "ecs": MOTO,
    "ec2": MOTO,
    "rds": MOTO,
    "kms": MOTO,
    # ministack describes an alarm without its statistic, period, dimensions, actions or
    # treatment of missing data, and a state machine without its tracing: each would show as a
    # change in every later plan.
    "cloudwatch": MOTO,
    "sfn": MOTO,
    "cloudwatchlogs": MINISTACK,
    "cognitoidp": MINISTACK,
    "dynamodb": MINISTACK,
    "ecr": MINISTACK,
    "elbv2": MINISTACK,
    "iam": MINISTACK,
    "secretsmanager": MINISTACK,
    "sns": MINISTACK,
    "sqs": MINISTACK,
    "sts": MINISTACK,
}

# The endpoint key of each resource type the configuration may use, by its name's prefix (the
# longest prefix wins). A type missing here fails the test before anything is applied: its
# service would otherwise be called at AWS's own address.
SERVICE_OF_TYPE = {
    "aws_apigatewayv2_": "apigatewayv2",
    "aws_appautoscaling_": "appautoscaling",
    "aws_cloudwatch_log_": "cloudwatchlogs",
    "aws_cloudwatch_metric_alarm": "cloudwatch",
    "aws_cognito_": "cognitoidp",
    "aws_db_": "rds",
    "aws_default_security_group": "ec2",
    "aws_dynamodb_": "dynamodb",
    "aws_ecr_": "ecr",
    "aws_ecs_": "ecs",
    "aws_eip": "ec2",
    "aws_flow_log": "ec2",
    "aws_iam_": "iam",
    "aws_internet_gateway": "ec2",
    "aws_kms_": "kms",
    "aws_lb": "elbv2",
    "aws_nat_gateway": "ec2",
    "aws_rds_": "rds",
    "aws_route": "ec2",
    "aws_secretsmanager_": "secretsmanager",
    "aws_security_group": "ec2",
    "aws_sfn_": "sfn",
    "aws_sns_": "sns",
    "aws_sqs_": "sqs",
    "aws_subnet": "ec2",
    "aws_vpc": "ec2",
}

APPLY_TIMEOUT = 1800
DESTROY_TIMEOUT = 1200
# Most of an apply is the provider waiting (about 25 s per SQS queue, policy and redrive policy
# for attributes to settle; minutes for the Aurora instance), not work: more at once is faster.
PARALLELISM = "-parallelism=20"
PROXIES = {"HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"}


def override(endpoints: dict[str, str]) -> str:
    """The provider and backend for the emulators, as infra/README.md describes them."""
    lines = "\n".join(f'    {key:<14} = "{url}"' for key, url in sorted(endpoints.items()))
    return f"""terraform {{
  backend "local" {{}}
}}

provider "aws" {{
  region                      = var.region
  access_key                  = "{ACCOUNT_ID}"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true

  endpoints {{
{lines}
  }}
}}
"""


def service_of(resource_type: str) -> str | None:
    prefixes = [prefix for prefix in SERVICE_OF_TYPE if resource_type.startswith(prefix)]
    return SERVICE_OF_TYPE[max(prefixes, key=len)] if prefixes else None


def saga_key() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(64))


DATA_SOURCE = re.compile(r"(^|\.)data\.")
# An apply's error for a role created twice: the emulator carried out the first `CreateRole` and
# answered it, the provider's HTTP client dropped the answer (it resets the connection once the
# answer is in, seen in a packet capture; now and then, under the apply's bursts, for any kind of
# request), and the SDK's retry found the role. A create that is answered the same the second
# time (a queue, a topic) never shows; a role does.
ROLE_CREATED_TWICE = re.compile(
    r"Error: creating IAM Role \((?P<name>[^)]+)\): operation error IAM: CreateRole, [^\n]*"
    r"EntityAlreadyExists[^\n]*\n\s*\n\s*with (?P<address>[^\n]+),\n"
)
RETRIED_CREATE_ROLE = "retrying request IAM/CreateRole"
# An access-log line of a request answered 2xx (moto logs every request; ministack, errors only).
SUCCEEDED = re.compile(r'" 2\d\d \S+$')


def unsuccessful(log: Path) -> str:
    """A log without its lines for requests that succeeded: what is left is what went wrong."""
    lines = log.read_text(errors="replace").splitlines()
    return "\n".join(line for line in lines if not SUCCEEDED.search(line))


@dataclass
class Run:
    terraform: str
    path: Path
    env: dict[str, str]
    logs: dict[str, Path]
    # The provider's own log (`TF_LOG_PATH`), which says each request it sends again.
    provider_log: Path
    seconds: dict[str, float] = field(default_factory=dict)

    def __call__(
        self, *args: str, label: str = "", timeout: int = 600, ok: tuple[int, ...] = (0,)
    ) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        try:
            result = subprocess.run(
                [self.terraform, *args, "-no-color"],
                cwd=self.path,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"terraform {args[0]} took over {timeout} s\n{self.emulator_logs()}")
        if label:
            self.seconds[label] = time.monotonic() - started
        assert result.returncode in ok, self.failure(result)
        return result

    def failure(self, result: subprocess.CompletedProcess[str]) -> str:
        """What a failed run says: Terraform's errors first, as a long failure is shown by
        its head and its tail, then the emulators' logs, then the end of its output."""
        return (
            f"terraform {' '.join(result.args[1:-1])}: exit {result.returncode}\n"
            f"{result.stderr[-4000:]}\n{self.emulator_logs()}\n"
            f"--- terraform's output, last lines:\n{result.stdout[-6000:]}"
        )

    def emulator_logs(self) -> str:
        """The last of what each emulator logged, less its answers that succeeded."""
        return "\n".join(
            f"--- {name} log ({path}), last lines:\n{unsuccessful(path)[-3000:]}"
            for name, path in self.logs.items()
            if path.exists()
        )

    def retried_role_creations(self) -> int:
        """How many times the provider sent a `CreateRole` again, by its own log."""
        if not self.provider_log.exists():
            return 0
        return self.provider_log.read_text(errors="replace").count(RETRIED_CREATE_ROLE)

    def resources(self) -> list[str]:
        """The managed resources in the state (not its data sources)."""
        listed = self("state", "list").stdout.splitlines()
        return sorted(address for address in listed if not DATA_SOURCE.search(address))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    terraform = find_terraform()
    if terraform is None:
        pytest.skip(
            "no terraform binary (set TERRAFORM or put it on PATH): the offline apply did not run"
        )
    mirror = find_mirror()
    if mirror is None:
        pytest.skip(
            "no local mirror of the hashicorp/aws provider (set TF_PLUGIN_MIRROR): "
            "the offline apply did not run"
        )
    if shutil.which("uv") is None:
        pytest.skip("no uv on PATH to run the emulators: the offline apply did not run")
    base = tmp_path_factory.mktemp("apply")
    copy = base / "infra"
    shutil.copytree(
        INFRA,
        copy,
        ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", "*.tfplan", "*_override.tf"),
    )
    logs = {MINISTACK: base / "ministack.log", MOTO: base / "moto.log"}
    provider_log = base / "provider.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "TF_VAR_")) and key.upper() not in PROXIES
    }
    env |= {
        "TF_DATA_DIR": str(base / "data"),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "TF_CLI_CONFIG_FILE": os.devnull,  # no user settings, no network mirror
        # The provider's own log, with each request it sends again (`RETRIED_CREATE_ROLE`).
        "TF_LOG_PROVIDER": "DEBUG",
        "TF_LOG_PATH": str(provider_log),
        # The first apply writes the saga's signing key; the provider wants one in every later
        # plan too, where it is not written (infra/README.md, "Saga signing key").
        "TF_VAR_saga_key": saga_key(),
        # Whatever is not routed to an emulator goes nowhere: AWS's own addresses are HTTPS and
        # this proxy refuses them at once (the emulators, on loopback, are never proxied).
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    with ExitStack() as stack:
        urls = {
            MINISTACK: stack.enter_context(fresh_emulator(logs[MINISTACK])),
            MOTO: stack.enter_context(running_moto(logs[MOTO], ACCOUNT_ID)),
        }
        (copy / "emulator_override.tf").write_text(
            override({key: urls[emulator] for key, emulator in ENDPOINTS.items()})
        )
        work = Run(terraform, copy, env, logs, provider_log)
        work("init", f"-plugin-dir={mirror}", "-lockfile=readonly", label="init")
        # Whatever a failed test leaves behind goes with the emulators when they stop.
        yield work


def apply_all(run: Run, variables: tuple[str, ...]) -> list[str]:
    """Apply the first plan; where it stops only on roles created twice (`ROLE_CREATED_TWICE`),
    import each and apply the rest, a few times at most. The addresses imported."""
    applied = run(
        "apply", PARALLELISM, "first.tfplan", label="apply", timeout=APPLY_TIMEOUT, ok=(0, 1)
    )
    imported: list[str] = []
    for attempt in range(3):
        if applied.returncode == 0:
            break
        twice = list(ROLE_CREATED_TWICE.finditer(applied.stderr))
        # Anything else, or a role the provider did not send for again, is a failure.
        recoverable = (
            bool(twice)
            and len(twice) == applied.stderr.count("Error: ")
            and run.retried_role_creations() >= len(imported) + len(twice)
        )
        if not recoverable:
            pytest.fail(run.failure(applied))
        for role in twice:
            run("import", *variables, role["address"], role["name"])
            imported.append(role["address"])
        run("plan", *variables, f"-out=again{attempt}.tfplan", PARALLELISM)
        applied = run(
            "apply", PARALLELISM, f"again{attempt}.tfplan", timeout=APPLY_TIMEOUT, ok=(0, 1)
        )
    assert applied.returncode == 0, run.failure(applied)
    assert "Apply complete!" in applied.stdout, applied.stdout[-3000:]
    return imported


def test_apply_plan_destroy(run: Run, capsys: pytest.CaptureFixture[str]) -> None:
    variables = (
        f"-var-file=env/{ENVIRONMENT}.tfvars",
        "-var=image_tag=offline-apply",
        # No emulator runs a task, so no ECS deployment ever reaches a steady state to wait for.
        "-var=ecs_wait_for_steady_state=false",
    )

    run("plan", *variables, "-out=first.tfplan", PARALLELISM, label="plan")
    planned = json.loads(run("show", "-json", "first.tfplan").stdout)["resource_changes"]
    creates = sorted(
        change["address"]
        for change in planned
        if change["mode"] == "managed" and change["change"]["actions"] == ["create"]
    )
    others = sorted(
        change["address"]
        for change in planned
        if change["mode"] == "managed" and change["change"]["actions"] != ["create"]
    )
    assert creates, "the first plan creates nothing"
    assert not others, f"a first plan only creates; it also plans {others}"
    unrouted = sorted(
        {
            change["type"]
            for change in planned
            if change["type"].startswith("aws_")
            and ENDPOINTS.get(service_of(change["type"]) or "") is None
        }
    )
    assert not unrouted, f"no emulator serves these resource types (add them here): {unrouted}"

    recovered = apply_all(run, variables)
    created = run.resources()
    assert created == creates, (
        f"planned but not in the state: {sorted(set(creates) - set(created))}; "
        f"in the state but not planned: {sorted(set(created) - set(creates))}"
    )

    second = run(
        "plan", *variables, "-detailed-exitcode", PARALLELISM, label="second plan", ok=(0, 2)
    )
    assert second.returncode == 0, f"the second plan is not empty:\n{second.stdout[-8000:]}"

    run(
        "destroy",
        *variables,
        "-auto-approve",
        PARALLELISM,
        label="destroy",
        timeout=DESTROY_TIMEOUT,
    )
    left = run.resources()
    assert left == [], f"destroy left {left}"

    seconds = ", ".join(f"{label} {value:.0f} s" for label, value in run.seconds.items())
    with capsys.disabled():  # CI's log shows the figures
        print(f"\noffline apply of {ENVIRONMENT}: {len(creates)} resources created; {seconds}")
        if recovered:
            print(
                "the provider's client dropped the emulator's answer to a CreateRole and its "
                f"retry found the role; imported and applied again: {', '.join(recovered)}"
            )


# Terraform's stderr for an apply that stopped on a role created twice, as one ended here.
ROLE_TWICE_STDERR = """
Error: creating IAM Role (shop-dev-payment-worker-task): operation error IAM: CreateRole, https \
response error StatusCode: 409, RequestID: 05025ad1-7f2e-4eee-910d-6bc16bbd457e, \
EntityAlreadyExists: Role with name shop-dev-payment-worker-task already exists.

  with module.service["payment"].aws_iam_role.task["worker"],
  on modules/ecs_service/iam.tf line 173, in resource "aws_iam_role" "task":
 173: resource "aws_iam_role" "task" {

"""


def test_a_role_created_twice_is_told_from_other_errors() -> None:
    [role] = ROLE_CREATED_TWICE.finditer(ROLE_TWICE_STDERR)
    assert role["name"] == "shop-dev-payment-worker-task"
    assert role["address"] == 'module.service["payment"].aws_iam_role.task["worker"]'
    refused = ROLE_TWICE_STDERR.replace("EntityAlreadyExists", "MalformedPolicyDocument")
    assert not list(ROLE_CREATED_TWICE.finditer(refused))
