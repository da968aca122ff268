# One-off tasks, run by hand or by the deploy pipeline before the services
# roll out (see README.md): `alembic upgrade head` for one schema each.

data "aws_caller_identity" "current" {}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/ecs/${var.prefix}/migrations"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
}

resource "aws_ecs_task_definition" "this" {
  for_each = toset(var.schemas)

  family                   = "${var.prefix}-migrate-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = aws_iam_role.execution.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([
    {
      name                   = "migrate"
      image                  = "${var.image.repository_url}:${var.image.tag}"
      essential              = true
      command                = ["alembic", "-c", "migrations/alembic.ini", "-n", each.key, "upgrade", "head"]
      user                   = "10001"
      readonlyRootFilesystem = true
      environment = [
        { name = "SERVICE_NAME", value = "migrations" },
        { name = "AWS_REGION", value = var.region },
        { name = "DB_HOST", value = var.database.host },
        { name = "DB_PORT", value = tostring(var.database.port) },
        { name = "DB_NAME", value = var.database.name },
        { name = "DB_USER", value = var.database.user },
      ]
      secrets     = [{ name = "DB_PASSWORD", valueFrom = "${var.database.password_secret_arn}:password::" }]
      mountPoints = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
      linuxParameters = {
        capabilities = { drop = ["ALL"] }
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.this.name
          awslogs-region        = var.region
          awslogs-stream-prefix = each.key
        }
      }
    }
  ])
}

# Migrations call no AWS API, so they have an execution role and no task role.
resource "aws_iam_role" "execution" {
  name = "${var.prefix}-migrations-execution"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

resource "aws_iam_role_policy" "execution" {
  name = "start-migrations"
  role = aws_iam_role.execution.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "AuthenticateToEcr"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"] # takes no resource-level permission
        Resource = ["*"]
      },
      {
        Sid      = "PullMigrationsImage"
        Effect   = "Allow"
        Action   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
        Resource = [var.image.repository_arn]
      },
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
      },
    ]
  })
}

# ECS reads the password into DB_PASSWORD.
resource "aws_iam_role_policy" "execution_database_secret" {
  name = "read-database-secret"
  role = aws_iam_role.execution.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadDatabaseSecret"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = [var.database.password_secret_arn]
      },
      {
        Sid       = "DecryptDatabaseSecret"
        Effect    = "Allow"
        Action    = ["kms:Decrypt"]
        Resource  = [var.data_kms_key_arn]
        Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${var.region}.amazonaws.com" } }
      },
    ]
  })
}

resource "aws_security_group" "this" {
  name        = "${var.prefix}-migrations"
  description = "Migration tasks: to the database and AWS APIs only"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.prefix}-migrations" }
}

resource "aws_vpc_security_group_egress_rule" "database" {
  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL"
  ip_protocol                  = "tcp"
  from_port                    = var.database.port
  to_port                      = var.database.port
  referenced_security_group_id = var.database.security_group_id
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to AWS APIs (image, logs, secret)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "database_from_migrations" {
  security_group_id            = var.database.security_group_id
  description                  = "PostgreSQL from migration tasks"
  ip_protocol                  = "tcp"
  from_port                    = var.database.port
  to_port                      = var.database.port
  referenced_security_group_id = aws_security_group.this.id
}
