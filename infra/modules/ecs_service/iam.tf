data "aws_caller_identity" "current" {}

locals {
  # Only ECS acting for this account may assume the service's roles.
  ecs_tasks_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
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
      Sid      = "PullOwnImage"
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
}

# The execution role is what ECS itself uses to start the tasks: pull the
# image, write the logs, read the database secret.
resource "aws_iam_role" "execution" {
  name               = "${local.full_name}-execution"
  assume_role_policy = local.ecs_tasks_trust
}

resource "aws_iam_role_policy" "execution" {
  name   = "start-${var.name}-tasks"
  role   = aws_iam_role.execution.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.execution_statements })
}

# Only for services with a database: ECS reads the password into DB_PASSWORD.
resource "aws_iam_role_policy" "execution_database_secret" {
  count = var.database == null ? 0 : 1

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

# The task role is what the service's code runs as: its own tables, its own
# topic, its own queues, the command queues it sends to, and its part in the
# saga. Nothing another service owns.
resource "aws_iam_role" "task" {
  name               = "${local.full_name}-task"
  assume_role_policy = local.ecs_tasks_trust
}

# Everything the service's code may do, one statement per kind of access; a
# service gets only the statements for what it owns or is given.
locals {
  task_statements = concat(
    length(var.tables) == 0 ? [] : [{
      Sid    = "UseOwnTables"
      Effect = "Allow"
      Action = [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
      ]
      Resource = flatten([for table in values(var.tables) : [table.arn, "${table.arn}/index/*"]])
    }],
    var.events_topic_arn == null ? [] : [{
      Sid      = "PublishOwnEvents"
      Effect   = "Allow"
      Action   = ["sns:Publish"]
      Resource = [var.events_topic_arn]
    }],
    length(var.consumed_queues) == 0 ? [] : [{
      Sid      = "ConsumeOwnQueues"
      Effect   = "Allow"
      Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]
      Resource = [for queue in values(var.consumed_queues) : queue.arn]
    }],
    length(var.sent_queues) == 0 ? [] : [{
      Sid      = "SendCommands"
      Effect   = "Allow"
      Action   = ["sqs:SendMessage"]
      Resource = [for queue in values(var.sent_queues) : queue.arn]
    }],
    try(var.saga.starts_executions, false) ? [{
      Sid      = "StartSaga"
      Effect   = "Allow"
      Action   = ["states:StartExecution"]
      Resource = [var.saga.state_machine_arn]
      }, {
      # The order's timeline shows each step of its execution.
      Sid      = "ReadSagaHistory"
      Effect   = "Allow"
      Action   = ["states:GetExecutionHistory"]
      Resource = ["${replace(var.saga.state_machine_arn, ":stateMachine:", ":execution:")}:*"]
    }] : [],
    # Answering a callback task: IAM cannot scope SendTask* to a state
    # machine (the request names only the task token), so the resource is
    # "*". The token is the capability, and only this service's own command
    # queue carries the tokens for its steps.
    try(var.saga.runs_steps, false) ? [{
      Sid      = "AnswerSagaSteps"
      Effect   = "Allow"
      Action   = ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"]
      Resource = ["*"]
    }] : [],
    # Topics, queues and the state machine are encrypted with the messaging
    # key; the key may be used only through those services.
    [{
      Sid      = "UseMessagingKeyThroughMessagingServices"
      Effect   = "Allow"
      Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
      Resource = [var.messaging_kms_key_arn]
      Condition = {
        StringEquals = {
          "kms:ViaService" = ["sqs.${var.region}.amazonaws.com", "sns.${var.region}.amazonaws.com", "states.${var.region}.amazonaws.com"]
        }
      }
    }],
  )
}

resource "aws_iam_role_policy" "task" {
  name   = "run-${var.name}"
  role   = aws_iam_role.task.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.task_statements })
}
