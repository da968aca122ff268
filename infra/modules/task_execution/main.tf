# What ECS itself uses to start a task, before any of its code runs: the
# execution role, which pulls the task's image, writes its logs and reads the
# secrets ECS puts into its containers, and the log group those containers
# write to. One log group; one execution role per kind of task (per key of
# var.roles), so that a secret one task needs is not readable for another.

locals {
  # Only ECS acting for this account may assume the roles (the task roles of
  # the caller too).
  ecs_tasks_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
    }]
  })

  statements = { for key, role in var.roles : key => concat(
    [
      {
        Sid      = "AuthenticateToEcr"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"] # takes no resource-level permission
        Resource = ["*"]
      },
      {
        Sid      = "PullOwnImages"
        Effect   = "Allow"
        Action   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
        Resource = [var.image_repository_arn]
      },
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
      },
    ],
    # Exactly the secrets this role's tasks are given, nothing else.
    length(role.secret_arns) == 0 ? [] : [{
      Sid      = "ReadSecrets"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = role.secret_arns
    }],
    # They are encrypted with the data key, which only Secrets Manager may
    # use on the role's behalf.
    length(role.secret_arns) == 0 ? [] : [{
      Sid       = "DecryptSecrets"
      Effect    = "Allow"
      Action    = ["kms:Decrypt"]
      Resource  = [var.secrets_kms_key_arn]
      Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${var.region}.amazonaws.com" } }
    }],
  ) }
}

resource "aws_cloudwatch_log_group" "this" {
  name              = var.log_group.name
  retention_in_days = var.log_group.retention_in_days
  kms_key_id        = var.log_group.kms_key_arn
}

resource "aws_iam_role" "this" {
  for_each = var.roles

  name               = each.value.name
  assume_role_policy = local.ecs_tasks_trust
}

resource "aws_iam_role_policy" "this" {
  for_each = var.roles

  name   = each.value.policy_name
  role   = aws_iam_role.this[each.key].id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.statements[each.key] })
}
