locals {
  # Only ECS acting for this account may assume the migrations' roles.
  ecs_tasks_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
    }]
  })

  execution_statements = [
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
    # ECS reads the master password into the roles container alone; no role of
    # the shop's services may read it.
    {
      Sid      = "ReadMasterSecret"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = [var.database.master_secret_arn]
    },
    {
      Sid       = "DecryptMasterSecret"
      Effect    = "Allow"
      Action    = ["kms:Decrypt"]
      Resource  = [var.data_kms_key_arn]
      Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${var.region}.amazonaws.com" } }
    },
  ]
}

# What ECS starts every migration task with: the image, the logs and the
# master secret for the roles container.
resource "aws_iam_role" "execution" {
  name               = "${var.prefix}-migrations-execution"
  assume_role_policy = local.ecs_tasks_trust
}

resource "aws_iam_role_policy" "execution" {
  name   = "start-migration-tasks"
  role   = aws_iam_role.execution.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.execution_statements })
}

# What a schema's migrations run as: IAM authentication as that schema's
# owner, and nothing else.
resource "aws_iam_role" "task" {
  for_each = var.schemas

  name               = "${var.prefix}-migrate-${each.key}-task"
  assume_role_policy = local.ecs_tasks_trust
}

resource "aws_iam_role_policy" "task" {
  for_each = var.schemas

  name = "migrate-${each.key}"
  role = aws_iam_role.task[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ConnectAsSchemaOwner"
      Effect   = "Allow"
      Action   = ["rds-db:connect"]
      Resource = ["arn:aws:rds-db:${var.region}:${var.account_id}:dbuser:${var.database.cluster_resource_id}/${each.value.owner_role}"]
    }]
  })
}
