# Each schema's migrations, as a one-off ECS task the deploy runs before the
# services roll (README.md, "Deploy"): never a container of the services'
# tasks, so a service starts on whatever schema it finds, at or ahead of its
# own, and a rollback starts the previous release's tasks without migrating.
#
# A task has two containers, run one after the other:
#   roles    signs in as the master user (the one container given its
#            password) and creates the schema's owner and service roles if
#            missing, with the schema owned by the owner;
#   migrate  signs in as the schema's owner with an IAM token and runs
#            `alembic upgrade head`, then grants the service's role its tables.
# The task stops when migrate does; its exit code is the release step's.

locals {
  # uid 10001, read-only root filesystem with a writable /tmp, no capabilities:
  # as the services' containers.
  container_base = {
    image                  = "${var.image.repository_url}:${var.image.tag}"
    user                   = "10001"
    readonlyRootFilesystem = true
    mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    linuxParameters = {
      initProcessEnabled = true
      capabilities       = { drop = ["ALL"] }
    }
  }

  database_environment = [
    { name = "SERVICE_NAME", value = "migrations" },
    { name = "AWS_REGION", value = var.region },
    { name = "DB_HOST", value = var.database.host },
    { name = "DB_PORT", value = tostring(var.database.port) },
    { name = "DB_NAME", value = var.database.name },
  ]

  containers = {
    for schema, roles in var.schemas : schema => [
      merge(local.container_base, {
        name             = "roles"
        essential        = false
        command          = ["python", "-m", "migrations.roles", schema, "--owner", roles.owner_role, "--service", roles.service_role]
        environment      = concat(local.database_environment, [{ name = "DB_USER", value = var.database.master_user }])
        secrets          = [{ name = "DB_PASSWORD", valueFrom = "${var.database.master_secret_arn}:password::" }]
        logConfiguration = module.execution.log_configurations["${schema}-roles"]
      }),
      merge(local.container_base, {
        name      = "migrate"
        essential = true
        command   = ["alembic", "-c", "migrations/alembic.ini", "-n", schema, "upgrade", "head"]
        environment = concat(local.database_environment, [
          { name = "DB_USER", value = roles.owner_role },
          { name = "DB_IAM_AUTH", value = "true" },
          { name = "DB_GRANT_TO", value = roles.service_role },
        ])
        dependsOn        = [{ containerName = "roles", condition = "SUCCESS" }]
        logConfiguration = module.execution.log_configurations["${schema}-migrate"]
      }),
    ]
  }
}

resource "aws_ecs_task_definition" "this" {
  for_each = var.schemas

  family                   = "${var.prefix}-migrate-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_size.cpu
  memory                   = var.task_size.memory
  execution_role_arn       = module.execution.roles.migrations.arn
  task_role_arn            = aws_iam_role.task[each.key].arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }

  container_definitions = jsonencode(local.containers[each.key])

  # A task started right after the apply must find its roles' permissions.
  depends_on = [module.execution, aws_iam_role_policy.task]
}

# Out: HTTPS (ECR, logs, Secrets Manager: through the endpoints or the NAT
# gateway) and the database. In: nothing.
resource "aws_security_group" "this" {
  name        = "${var.prefix}-migrations"
  description = "Migration tasks: to AWS APIs and the database"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.prefix}-migrations" }
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to AWS APIs"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "database" {
  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL"
  ip_protocol                  = "tcp"
  from_port                    = var.database.port
  to_port                      = var.database.port
  referenced_security_group_id = var.database.security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "database_from_migrations" {
  security_group_id            = var.database.security_group_id
  description                  = "PostgreSQL from the migration tasks"
  ip_protocol                  = "tcp"
  from_port                    = var.database.port
  to_port                      = var.database.port
  referenced_security_group_id = aws_security_group.this.id
}
