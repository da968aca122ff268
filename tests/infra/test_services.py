"""Each service is wired end to end: route, rule, target group, ECS services, logs, roles."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.terraform import INFRA, Parsed

# The contract from the architecture, written out independently of the
# Terraform so that a change on either side shows up here.
SERVICES: dict[str, dict[str, Any]] = {
    "catalog": {"path": "/catalog", "sends_to": [], "calls": [], "starts_saga": False},
    "basket": {
        "path": "/basket",
        "sends_to": ["ordering-checkouts"],
        "calls": ["catalog"],
        "starts_saga": False,
    },
    "ordering": {"path": "/orders", "sends_to": [], "calls": [], "starts_saga": True},
    "inventory": {"path": "/inventory", "sends_to": [], "calls": [], "starts_saga": False},
    "payment": {"path": "/payments", "sends_to": [], "calls": [], "starts_saga": False},
    "notification": {"path": "/notifications", "sends_to": [], "calls": [], "starts_saga": False},
}
SAGA_QUEUES = {"inventory-commands", "payment-commands", "ordering-commands"}
ROUTE_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}

service_names = pytest.mark.parametrize("service", sorted(SERVICES))


def owned(topology: dict[str, Any], service: str) -> dict[str, Any]:
    """What the topology gives a service."""
    return {
        "topic": next((t["name"] for t in topology["topics"] if t["publisher"] == service), None),
        "queues": sorted(q["name"] for q in topology["queues"] if q["consumer"] == service),
        "tables": sorted(t["name"] for t in topology["tables"] if t["owner"] == service),
        "schema": next((s["name"] for s in topology["schemas"] if s["owner"] == service), None),
    }


def ids_by_key(parsed: Parsed, kind: str, prefix: str) -> dict[str, str]:
    """Ids of `<prefix>[key]` resources, by key."""
    return {
        path[len(prefix) + 1 : -1].strip('"'): item["id"]
        for path, item in parsed.by_path(kind).items()
        if path.startswith(prefix + "[")
    }


def statements(policy: str | None) -> dict[str, dict[str, Any]]:
    assert policy, "the policy did not evaluate to a document"
    return {statement["Sid"]: statement for statement in json.loads(policy)["Statement"]}


def test_the_services_are_the_declared_ones(parsed: Parsed) -> None:
    modules = {
        path
        for path in parsed.by_path("module")
        if path.startswith("module.service[") and ".module." not in path  # not a service's own
    }
    assert modules == {f'module.service["{name}"]' for name in SERVICES}


@service_names
def test_route_rule_target_group_and_ecs_service_are_chained(parsed: Parsed, service: str) -> None:
    path = SERVICES[service]["path"]
    group = parsed.one("aws_lb_target_group", f'module.alb.aws_lb_target_group.this["{service}"]')
    assert group["port"] == 8000
    assert group["protocol"] == "HTTP"
    assert group["target_type"] == "ip"
    # Liveness: a database that stops answering must not take every task out of service.
    assert group["health_check"]["path"] == "/health/live"

    rule = parsed.one("aws_lb_listener_rule", f'module.alb.aws_lb_listener_rule.this["{service}"]')
    listener = parsed.one("aws_lb_listener", "module.alb.aws_lb_listener.http")
    assert rule["listener_arn"] == listener["id"]
    assert rule["condition"]["path_pattern"]["values"] == [path, f"{path}/*"]
    assert rule["action"]["type"] == "forward"
    assert rule["action"]["target_group_arn"] == group["id"]

    module = parsed.module_input(f'module.service["{service}"]')
    assert module["load_balancer"]["target_group_arn"] == group["id"]

    prefix = f'module.service["{service}"]'
    definitions = parsed.by_path("aws_ecs_task_definition")
    ecs_services = parsed.by_path("aws_ecs_service")
    for process in ("api", "worker"):
        definition = definitions[f'{prefix}.aws_ecs_task_definition.this["{process}"]']
        assert definition["family"] == f"{parsed.prefix}-{service}-{process}"
        assert definition["requires_compatibilities"] == ["FARGATE"]
        assert definition["network_mode"] == "awsvpc"
        ecs_service = ecs_services[f"{prefix}.aws_ecs_service.{process}"]
        assert ecs_service["task_definition"] == definition["id"]
        assert ecs_service["deployment_circuit_breaker"] == {
            **ecs_service["deployment_circuit_breaker"],
            "enable": True,
            "rollback": True,
        }
        assert ecs_service["network_configuration"]["assign_public_ip"] is False
        # Spot placement: Terraform's own test (infra/tests) checks each strategy.
    api = ecs_services[f"{prefix}.aws_ecs_service.api"]
    assert api["load_balancer"]["target_group_arn"] == group["id"]
    assert api["load_balancer"]["container_port"] == 8000
    assert "load_balancer" not in ecs_services[f"{prefix}.aws_ecs_service.worker"]


@service_names
def test_log_group_is_the_services_own(parsed: Parsed, service: str) -> None:
    group = parsed.one(
        "aws_cloudwatch_log_group",
        f'module.service["{service}"].module.execution.aws_cloudwatch_log_group.this',
    )
    assert group["name"] == f"/ecs/{parsed.prefix}/{service}"
    assert group["kms_key_id"]


@service_names
def test_environment_names_what_the_service_reads(
    parsed: Parsed, topology: dict[str, Any], service: str
) -> None:
    mine = owned(topology, service)
    expected = {
        "SERVICE_NAME",
        "AWS_REGION",
        "LOG_LEVEL",
        "AUTH_ISSUER",
        "AUTH_JWKS_URL",
        "AUTH_CLIENT_ID",
        "SHOP_ENVIRONMENT",
    }
    if service == "payment":
        expected |= {"PAYMENT_PROVIDER", "PAYMENT_SIMULATOR_ALLOWED"}
    # Both environments trace and export metrics (the Terraform tests check the collector, its
    # pipelines and the sampling).
    expected |= {
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_TRACES_SAMPLER",
        "OTEL_TRACES_SAMPLER_ARG",
        "OTEL_METRICS_EXPORTER",
        "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
    }
    if mine["schema"]:
        expected |= {"DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_IAM_AUTH"}
    if mine["topic"]:
        expected.add("EVENTS_TOPIC_ARN")
    for queue in mine["queues"] + SERVICES[service]["sends_to"]:
        expected.add(queue.upper().replace("-", "_") + "_QUEUE_URL")
    for table in mine["tables"]:
        expected.add(table.upper() + "_TABLE")
    for callee in SERVICES[service]["calls"]:
        expected.add(callee.upper() + "_URL")
    names = parsed.output(f'module.service["{service}"].output.environment_variable_names')
    # Only the API serves HTTP behind the load balancer, whose forwarded headers it believes.
    assert set(names["api"]) == expected | {"FORWARDED_ALLOW_IPS"}
    # Only the worker starts the saga's executions.
    if SERVICES[service]["starts_saga"]:
        expected.add("STATE_MACHINE_ARN")
    assert set(names["worker"]) == expected

    module = parsed.module_input(f'module.service["{service}"]')
    assert (module["database"] is not None) == (mine["schema"] is not None)
    assert set(module["service_urls"]) == set(SERVICES[service]["calls"])


def test_basket_reaches_catalog_through_the_load_balancer(parsed: Parsed) -> None:
    alb = parsed.one("aws_security_group", "module.alb.aws_security_group.this")
    basket = parsed.one("aws_security_group", 'module.service["basket"].aws_security_group.tasks')
    rules = parsed.by_path("aws_vpc_security_group_ingress_rule")
    rule = rules['module.service["basket"].aws_vpc_security_group_ingress_rule.alb_from_tasks[0]']
    assert rule["security_group_id"] == alb["id"]
    assert rule["referenced_security_group_id"] == basket["id"]


def test_security_groups_are_attached(parsed: Parsed) -> None:
    groups = {item["id"]: path for path, item in parsed.by_path("aws_security_group").items()}
    attached: set[str] = set()
    for kind in (
        "aws_lb",
        "aws_vpc_endpoint",
        "aws_apigatewayv2_vpc_link",
        "aws_rds_cluster",
        "aws_ecs_service",
    ):
        for item in parsed.resources(kind):
            for field in ("security_groups", "security_group_ids", "vpc_security_group_ids"):
                attached |= set(item.get(field) or [])
            attached |= set((item.get("network_configuration") or {}).get("security_groups") or [])
    # The migration tasks are no ECS service: the deploy starts them with the groups the
    # configuration gives it for that (output `migrations`).
    attached |= set(parsed.output("module.migrations.output.run")["security_groups"])
    unattached = {path for group_id, path in groups.items() if group_id not in attached}
    assert unattached == set()


def test_load_balancer_is_internal_and_drops_invalid_headers(parsed: Parsed) -> None:
    alb = parsed.one("aws_lb", "module.alb.aws_lb.this")
    assert alb["internal"] is True
    assert alb["drop_invalid_header_fields"] is True
    listener = parsed.one("aws_lb_listener", "module.alb.aws_lb_listener.http")
    default = listener["default_action"]
    assert default["type"] == "fixed-response"
    assert default["fixed_response"]["status_code"] == "404"
    assert default["fixed_response"]["content_type"] == "application/json"
    json.loads(default["fixed_response"]["message_body"])


def test_api_stage_logs_and_throttles(parsed: Parsed) -> None:
    stage = parsed.one("aws_apigatewayv2_stage", "module.api.aws_apigatewayv2_stage.default")
    group = parsed.one("aws_cloudwatch_log_group", "module.api.aws_cloudwatch_log_group.access")
    assert stage["access_log_settings"]["destination_arn"] == group["id"]
    assert "$context.requestId" in stage["access_log_settings"]["format"]
    assert stage["default_route_settings"]["throttling_rate_limit"] > 0
    assert stage["default_route_settings"]["throttling_burst_limit"] > 0


def test_cors_allows_only_configured_origins(parsed: Parsed) -> None:
    api = parsed.one("aws_apigatewayv2_api", "module.api.aws_apigatewayv2_api.this")
    origins = api["cors_configuration"]["allow_origins"]
    assert origins
    assert "*" not in origins
    assert origins == parsed.module_input("module.api")["cors_allowed_origins"]


def test_cluster_has_spot_and_container_insights_in_prod(parsed: Parsed) -> None:
    cluster = parsed.one("aws_ecs_cluster", "module.ecs_cluster.aws_ecs_cluster.this")
    assert cluster["setting"] == {
        **cluster["setting"],
        "name": "containerInsights",
        "value": "disabled" if parsed.environment == "dev" else "enabled",
    }
    providers = parsed.one(
        "aws_ecs_cluster_capacity_providers",
        "module.ecs_cluster.aws_ecs_cluster_capacity_providers.this",
    )
    assert set(providers["capacity_providers"]) == {"FARGATE", "FARGATE_SPOT"}


@service_names
def test_autoscaling(parsed: Parsed, topology: dict[str, Any], service: str) -> None:
    prefix = f'module.service["{service}"]'
    targets = parsed.by_path("aws_appautoscaling_target")
    policies = {
        path.split(".")[-1]: item
        for path, item in parsed.by_path("aws_appautoscaling_policy").items()
        if path.startswith(prefix + ".")
    }

    # With office hours (dev) the schedule owns the bounds, which Terraform sets only on
    # creation (a target of its own kind, ignoring changes to them); elsewhere Terraform does.
    kind = "_scheduled" if parsed.environment == "dev" else ""
    other = "" if kind else "_scheduled"
    assert f"{prefix}.aws_appautoscaling_target.api{other}[0]" not in targets
    assert f"{prefix}.aws_appautoscaling_target.worker{other}[0]" not in targets
    assert targets[f"{prefix}.aws_appautoscaling_target.api{kind}[0]"]["min_capacity"] >= 1, (
        "an API cannot scale to zero"
    )
    request_tracking = policies["api_requests"]["target_tracking_scaling_policy_configuration"]
    assert (
        request_tracking["predefined_metric_specification"]["predefined_metric_type"]
        == "ALBRequestCountPerTarget"
    )
    cpu_tracking = policies["api_cpu"]["target_tracking_scaling_policy_configuration"]
    assert (
        cpu_tracking["predefined_metric_specification"]["predefined_metric_type"]
        == "ECSServiceAverageCPUUtilization"
    )

    consumes = bool(owned(topology, service)["queues"])
    worker_target = targets.get(f"{prefix}.aws_appautoscaling_target.worker{kind}[0]")
    # Dev's office hours give every worker a target; elsewhere only consumers have one.
    assert (worker_target is not None) == (consumes or parsed.environment == "dev")
    if not consumes:
        return
    assert worker_target is not None
    if service == "notification":
        # The only worker with nothing else to do (no outbox, no saga steps).
        assert worker_target["min_capacity"] == 0
        assert policies["worker_queue_depth[0]"]["policy_type"] == "StepScaling"
        assert policies["worker_sleep[0]"]["policy_type"] == "StepScaling"
    elif parsed.environment == "dev":
        # No Container Insights in dev, so no running task count to divide the backlog by.
        assert worker_target["min_capacity"] == 1
        assert policies["worker_queue_depth[0]"]["policy_type"] == "StepScaling"
        assert policies["worker_sleep[0]"]["policy_type"] == "StepScaling"
        assert "worker_backlog_per_task[0]" not in policies
    else:
        assert worker_target["min_capacity"] == 1
        assert policies["worker_backlog_per_task[0]"]["policy_type"] == "TargetTrackingScaling"
        assert "worker_queue_depth[0]" not in policies


def test_image_repositories(parsed: Parsed) -> None:
    repositories = {item["name"]: item for item in parsed.resources("aws_ecr_repository")}
    assert set(repositories) == {f"shop/{name}" for name in SERVICES} | {"shop/migrations"}
    for repository in repositories.values():
        assert repository["image_tag_mutability"] == "IMMUTABLE"
        assert repository["image_scanning_configuration"]["scan_on_push"] is True


def test_state_machine_role_reaches_exactly_its_queues(
    parsed: Parsed, saga: dict[str, Any]
) -> None:
    queues = ids_by_key(parsed, "aws_sqs_queue", "module.messaging.aws_sqs_queue.this")
    machine = parsed.one("aws_sfn_state_machine", "module.workflow.aws_sfn_state_machine.this")
    role = parsed.one("aws_iam_role", "module.workflow.aws_iam_role.this")
    assert machine["role_arn"] == role["id"]
    assert machine["type"] == "STANDARD"
    assert machine["tracing_configuration"]["enabled"] is True
    group = parsed.one("aws_cloudwatch_log_group", "module.workflow.aws_cloudwatch_log_group.this")
    assert machine["logging_configuration"]["log_destination"] == f"{group['id']}:*"

    policy = parsed.one("aws_iam_role_policy", "module.workflow.aws_iam_role_policy.this")
    assert policy["role"] == role["id"]
    granted = statements(policy["policy"])
    assert granted["SendCommandsToItsQueues"]["Action"] == ["sqs:SendMessage"]
    assert sorted(granted["SendCommandsToItsQueues"]["Resource"]) == sorted(
        queues[q] for q in SAGA_QUEUES
    )
    assert set(parsed.module_input("module.workflow")["queues"]) == SAGA_QUEUES
    for sid, statement in granted.items():
        if statement["Resource"] == ["*"]:
            assert all(a.startswith(("logs:", "xray:")) for a in statement["Action"]), sid


def test_scheduled_bounds_are_left_to_the_schedule() -> None:
    # An apply outside office hours must not put back the daytime bounds the schedule lowered.
    source = (INFRA / "modules" / "ecs_service" / "autoscaling.tf").read_text()
    for name in ("api_scheduled", "worker_scheduled"):
        block = source.split(f'resource "aws_appautoscaling_target" "{name}" {{', 1)[1]
        block = block.split("\n}\n", 1)[0]
        assert "count = var.office_hours == null ? 0 : 1" in block, name
        assert "ignore_changes = [min_capacity, max_capacity]" in block, name
    for name in ("api", "worker"):
        block = source.split(f'resource "aws_appautoscaling_target" "{name}" {{', 1)[1]
        block = block.split("\n}\n", 1)[0]
        assert "var.office_hours == null ? 1 : 0" in block, name
        assert "ignore_changes" not in block, name
