# One shop service: its API and its worker, two Fargate services running the
# same image with different commands, sharing a log group and a security
# group, each with a task role that may touch only what this service owns and
# that process uses.

locals {
  full_name = "${var.prefix}-${var.name}"

  environment = merge(
    {
      SERVICE_NAME   = var.name
      AWS_REGION     = var.region
      LOG_LEVEL      = var.log_level
      AUTH_ISSUER    = var.auth.issuer
      AUTH_JWKS_URL  = var.auth.jwks_url
      AUTH_CLIENT_ID = var.auth.client_id
    },
    # The service's own database role, signed in with an IAM token made
    # per connection: nothing to rotate under a running task.
    var.database == null ? {} : {
      DB_HOST     = var.database.host
      DB_PORT     = tostring(var.database.port)
      DB_NAME     = var.database.name
      DB_USER     = var.database.user
      DB_IAM_AUTH = "true"
    },
    var.events_topic_arn == null ? {} : { EVENTS_TOPIC_ARN = var.events_topic_arn },
    { for name, queue in merge(var.consumed_queues, var.sent_queues) : "${upper(replace(name, "-", "_"))}_QUEUE_URL" => queue.url },
    { for name, table in var.tables : "${upper(replace(name, "-", "_"))}_TABLE" => table.name },
    { for name, url in var.service_urls : "${upper(replace(name, "-", "_"))}_URL" => url },
    # Spans and metrics go to the collector beside the process, which sends
    # them on to X-Ray and CloudWatch.
    var.tracing == null ? {} : {
      OTEL_EXPORTER_OTLP_ENDPOINT = "http://127.0.0.1:4318"
      OTEL_METRICS_EXPORTER       = "otlp"
      # Deltas: an interval with nothing recorded sends nothing, and CloudWatch
      # bills a metric only for the hours it receives data.
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE = "delta"
      OTEL_TRACES_SAMPLER                               = "parentbased_traceidratio"
      OTEL_TRACES_SAMPLER_ARG                           = tostring(var.tracing.sample_ratio)
    },
    var.extra_environment,
  )

  # What every container of the service shares: uid 10001, a read-only root
  # filesystem with a writable /tmp, no Linux capabilities.
  container_base = {
    user                   = "10001"
    readonlyRootFilesystem = true
    mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    linuxParameters = {
      initProcessEnabled = true # reaps zombies and forwards signals to python
      capabilities       = { drop = ["ALL"] }
    }
  }

  # The AWS Distro for OpenTelemetry collector beside each process: OTLP in
  # on 127.0.0.1:4318; spans out to X-Ray, metrics out to CloudWatch as
  # embedded metric format in the service's metrics log group, both with the
  # task role. Its configuration is ours, passed in the environment. Not
  # essential: a collector that dies costs telemetry, not orders.
  collector_config = var.tracing == null ? null : yamlencode({
    receivers  = { otlp = { protocols = { http = { endpoint = "127.0.0.1:4318" } } } }
    processors = { batch = {} }
    exporters = {
      awsxray = { region = var.region }
      awsemf = {
        region          = var.region
        namespace       = var.prefix
        log_group_name  = aws_cloudwatch_log_group.metrics[0].name
        log_stream_name = var.name
        # The service (its process) is a dimension of every metric; no roll-ups,
        # which would multiply the metrics billed.
        resource_to_telemetry_conversion = { enabled = true }
        dimension_rollup_option          = "NoDimensionRollup"
      }
    }
    service = {
      pipelines = {
        traces  = { receivers = ["otlp"], processors = ["batch"], exporters = ["awsxray"] }
        metrics = { receivers = ["otlp"], processors = ["batch"], exporters = ["awsemf"] }
      }
    }
  })

  collector_container = var.tracing == null ? null : {
    name             = "otel-collector"
    image            = var.tracing.collector_image
    essential        = false
    command          = ["--config=env:SHOP_COLLECTOR_CONFIG"]
    environment      = [{ name = "SHOP_COLLECTOR_CONFIG", value = local.collector_config }]
    logConfiguration = module.execution.log_configurations["otel-collector"]
  }

  # Secrets ECS reads (with the process's execution role) into the process's
  # environment when a task starts: the saga's signing key, for the worker of
  # a saga participant. The reference names the key's version
  # (<arn>:<json key>:<stage>:<version id>), so a new key changes the task
  # definitions and the workers that use it are redeployed together.
  process_secrets = {
    for process, reads_saga_key in local.reads_saga_key : process =>
    reads_saga_key ? [{ name = "SAGA_KEY", valueFrom = "${var.saga.key_arn}:::${var.saga.key_version_id}" }] : []
  }

  # The worker starts the saga's executions; the API only reads ordering's
  # own tables. The API believes X-Forwarded-For and X-Forwarded-Proto only
  # from the load balancer's subnets.
  process_environment = {
    api    = merge(local.environment, { FORWARDED_ALLOW_IPS = join(",", var.forwarded_allow_ips) })
    worker = merge(local.environment, try(var.saga.starts_executions, false) ? { STATE_MACHINE_ARN = var.saga.state_machine_arn } : {})
  }

  # The first fargate_base_tasks tasks of each ECS service on regular Fargate;
  # every task beyond them on Spot (with fargate_spot), or on regular Fargate
  # too. An interrupted Spot task is replaced while the regular ones keep
  # serving; development, with no base, runs on Spot alone.
  capacity = concat(
    var.fargate_base_tasks > 0 || !var.fargate_spot ? [{ capacity_provider = "FARGATE", base = var.fargate_base_tasks, weight = var.fargate_spot ? 0 : 1 }] : [],
    var.fargate_spot ? [{ capacity_provider = "FARGATE_SPOT", base = 0, weight = 1 }] : [],
  )

  processes = {
    api = {
      command   = ["python", "-m", "${var.name}.entrypoints.api"]
      cpu       = var.api.cpu
      memory    = var.api.memory
      min_tasks = var.api.min_tasks
    }
    worker = {
      command   = ["python", "-m", "${var.name}.entrypoints.worker"]
      cpu       = var.worker.cpu
      memory    = var.worker.memory
      min_tasks = var.worker.scales_to_zero ? 0 : 1
    }
  }
}

# What the collector sends to CloudWatch as metrics (embedded metric format):
# the routes', queues', outbox's and saga steps' measures, by process.
resource "aws_cloudwatch_log_group" "metrics" {
  count = var.tracing == null ? 0 : 1

  name              = "/ecs/${var.prefix}/${var.name}/metrics"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
}

resource "aws_ecs_task_definition" "this" {
  for_each = local.processes

  family                   = "${local.full_name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = module.execution.roles[each.key].arn
  task_role_arn            = aws_iam_role.task[each.key].arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # The root filesystem is read-only; Python and libraries still want a
  # writable /tmp.
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode(concat(
    [merge(
      local.container_base,
      {
        name             = each.key
        image            = "${var.image.repository_url}:${var.image.tag}"
        essential        = true
        command          = each.value.command
        environment      = [for key, value in local.process_environment[each.key] : { name = key, value = value }]
        stopTimeout      = 30 # time to finish the message or request in hand after SIGTERM
        logConfiguration = module.execution.log_configurations[each.key]
        # Only the API listens and has a health check. Both branches have
        # the same type; a null drops the key from the JSON.
        portMappings = each.key == "api" ? [{ containerPort = var.container_port, protocol = "tcp" }] : []
        healthCheck = each.key == "api" ? {
          command     = ["CMD", "healthcheck", "http://127.0.0.1:${var.container_port}/health/live"]
          interval    = 15
          timeout     = 5
          retries     = 3
          startPeriod = 30
        } : null
      },
      # No "secrets" key at all where the process is given none.
      { for key, secrets in { secrets = local.process_secrets[each.key] } : key => secrets if length(secrets) > 0 },
    )],
    var.tracing == null ? [] : [merge(local.container_base, local.collector_container)],
  ))
}

# What a task must find in place when it starts: its roles' permissions and
# its network paths. Both ECS services wait for this.
resource "terraform_data" "task_prerequisites" {
  depends_on = [
    module.execution,
    aws_iam_role_policy.task,
    aws_vpc_security_group_ingress_rule.api_from_alb,
    aws_vpc_security_group_egress_rule.alb_to_api,
    aws_vpc_security_group_egress_rule.https,
    aws_vpc_security_group_egress_rule.database,
    aws_vpc_security_group_ingress_rule.database_from_tasks,
    aws_vpc_security_group_egress_rule.alb,
    aws_vpc_security_group_ingress_rule.alb_from_tasks,
  ]
}

resource "aws_ecs_service" "api" {
  name                   = "${local.full_name}-api"
  cluster                = var.cluster.arn
  task_definition        = aws_ecs_task_definition.this["api"].arn
  desired_count          = local.processes.api.min_tasks
  platform_version       = "LATEST"
  enable_execute_command = false
  propagate_tags         = "SERVICE"

  dynamic "capacity_provider_strategy" {
    for_each = local.capacity

    content {
      capacity_provider = capacity_provider_strategy.value.capacity_provider
      base              = capacity_provider_strategy.value.base
      weight            = capacity_provider_strategy.value.weight
    }
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = var.load_balancer.target_group_arn
    container_name   = "api"
    container_port   = var.container_port
  }

  health_check_grace_period_seconds = 30

  # A deployment whose tasks do not become healthy stops and rolls back to
  # the last one that did.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  # The apply ends when the deployment has: it fails if the circuit breaker
  # rolled the service back, instead of reporting success over failing tasks.
  wait_for_steady_state = var.wait_for_steady_state

  lifecycle {
    ignore_changes = [desired_count] # owned by autoscaling once created
  }

  depends_on = [terraform_data.task_prerequisites]
}

resource "aws_ecs_service" "worker" {
  name                   = "${local.full_name}-worker"
  cluster                = var.cluster.arn
  task_definition        = aws_ecs_task_definition.this["worker"].arn
  desired_count          = local.processes.worker.min_tasks
  platform_version       = "LATEST"
  enable_execute_command = false
  propagate_tags         = "SERVICE"

  # Same split as the API: a message in hand when Spot takes a task back
  # becomes visible again after its visibility timeout.
  dynamic "capacity_provider_strategy" {
    for_each = local.capacity

    content {
      capacity_provider = capacity_provider_strategy.value.capacity_provider
      base              = capacity_provider_strategy.value.base
      weight            = capacity_provider_strategy.value.weight
    }
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  # The apply ends when the deployment has: it fails if the circuit breaker
  # rolled the service back, instead of reporting success over failing tasks.
  wait_for_steady_state = var.wait_for_steady_state

  lifecycle {
    ignore_changes = [desired_count] # owned by autoscaling once created
  }

  depends_on = [terraform_data.task_prerequisites]
}

# Fewer tasks running than ECS wants, for ten minutes: tasks that fail to
# start (an image that cannot be pulled, a secret that cannot be read, a
# health check that never passes) or keep stopping. Container Insights
# publishes both counts; without it (dev) there is nothing to compare, and a
# failed deployment shows in the apply instead (wait_for_steady_state).
resource "aws_cloudwatch_metric_alarm" "tasks_missing" {
  for_each = var.cluster.container_insights ? { api = aws_ecs_service.api.name, worker = aws_ecs_service.worker.name } : {}

  alarm_name          = "${local.full_name}-${each.key}-tasks-missing"
  alarm_description   = "The ${var.name} ${each.key} has run fewer tasks than it should for 10 minutes: look at its stopped tasks' reasons."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 10
  datapoints_to_alarm = 10
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  metric_query {
    id = "desired"

    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "DesiredTaskCount"
      dimensions  = { ClusterName = var.cluster.name, ServiceName = each.value }
      stat        = "Average"
      period      = 60
    }
  }

  metric_query {
    id = "running"

    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "RunningTaskCount"
      dimensions  = { ClusterName = var.cluster.name, ServiceName = each.value }
      stat        = "Average"
      period      = 60
    }
  }

  metric_query {
    id          = "missing"
    label       = "Tasks desired but not running"
    expression  = "desired - running"
    return_data = true
  }
}
