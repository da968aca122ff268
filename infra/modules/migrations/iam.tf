# What ECS starts every migration task with: the image, the logs and, for
# the roles container alone, the database's master secret (no role of the
# shop's services may read it).
module "execution" {
  source = "../task_execution"

  region               = var.region
  account_id           = var.account_id
  image_repository_arn = var.image.repository_arn
  secrets_kms_key_arn  = var.data_kms_key_arn
  log_group = {
    name              = "/ecs/${var.prefix}/migrations"
    retention_in_days = var.log_retention_days
    kms_key_arn       = var.log_kms_key_arn
  }
  log_stream_prefixes = flatten([for schema in keys(var.schemas) : ["${schema}-roles", "${schema}-migrate"]])
  roles = {
    migrations = {
      name        = "${var.prefix}-migrations-execution"
      policy_name = "start-migration-tasks"
      secret_arns = [var.database.master_secret_arn]
    }
  }
}

moved {
  from = aws_cloudwatch_log_group.this
  to   = module.execution.aws_cloudwatch_log_group.this
}

moved {
  from = aws_iam_role.execution
  to   = module.execution.aws_iam_role.this["migrations"]
}

moved {
  from = aws_iam_role_policy.execution
  to   = module.execution.aws_iam_role_policy.this["migrations"]
}

# What a schema's migrations run as: IAM authentication as that schema's
# owner, and nothing else.
resource "aws_iam_role" "task" {
  for_each = var.schemas

  name               = "${var.prefix}-migrate-${each.key}-task"
  assume_role_policy = module.execution.ecs_tasks_trust
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
