locals {
  # The saga's signing key goes to the worker of a service that starts the
  # saga or runs its steps, through ECS secrets: only that worker's
  # execution role reads it, and the API's never. No service's role reads the
  # database's master secret: the migration task's alone does
  # (modules/migrations).
  reads_saga_key = {
    api    = false
    worker = try(var.saga.starts_executions || var.saga.runs_steps, false)
  }
}

# The execution roles are what ECS itself uses to start the tasks: pull the
# image, write the logs and, for the worker of a saga participant, read the
# saga's signing key. One per process, so that a secret one process needs is
# not readable for the other. Both processes write to one log group.
module "execution" {
  source = "../task_execution"

  region               = var.region
  account_id           = var.account_id
  image_repository_arn = var.image.repository_arn
  secrets_kms_key_arn  = var.data_kms_key_arn
  log_group = {
    name              = "/ecs/${var.prefix}/${var.name}"
    retention_in_days = var.log_retention_days
    kms_key_arn       = var.log_kms_key_arn
  }
  log_stream_prefixes = concat(keys(local.processes), ["otel-collector"])
  roles = {
    for process, reads_saga_key in local.reads_saga_key : process => {
      name        = "${local.full_name}-${process}-execution"
      policy_name = "start-${var.name}-${process}-tasks"
      secret_arns = reads_saga_key ? [var.saga.key_arn] : []
    }
  }
}

moved {
  from = aws_cloudwatch_log_group.this
  to   = module.execution.aws_cloudwatch_log_group.this
}

moved {
  from = aws_iam_role.execution
  to   = module.execution.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.execution
  to   = module.execution.aws_iam_role_policy.this
}

# What a process of this service may do, one statement per kind of access.
# Both processes use the service's own tables, command queues it sends to and
# its database role; only the worker publishes the service's events, consumes
# queues, starts the saga and answers saga tasks. Nothing another service owns.
locals {
  shared_statements = concat(
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
    length(var.tables) == 0 ? [] : [{
      # The tables are encrypted with the data key: DynamoDB uses it on the
      # caller's behalf, and only DynamoDB may.
      Sid       = "UseDataKeyThroughDynamoDb"
      Effect    = "Allow"
      Action    = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      Resource  = [var.data_kms_key_arn]
      Condition = { StringEquals = { "kms:ViaService" = "dynamodb.${var.region}.amazonaws.com" } }
    }],
    length(var.sent_queues) == 0 ? [] : [{
      Sid      = "SendCommands"
      Effect   = "Allow"
      Action   = ["sqs:SendMessage"]
      Resource = [for queue in values(var.sent_queues) : queue.arn]
    }],
    # IAM database authentication as the service's own role, which owns
    # nothing but its schema's tables.
    var.database == null ? [] : [{
      Sid      = "ConnectAsOwnDatabaseRole"
      Effect   = "Allow"
      Action   = ["rds-db:connect"]
      Resource = ["arn:aws:rds-db:${var.region}:${var.account_id}:dbuser:${var.database.cluster_resource_id}/${var.database.user}"]
    }],
    # The collector beside the process sends its spans to X-Ray, which takes
    # no resource-level permissions.
    var.tracing == null ? [] : [
      {
        Sid      = "SendTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
        Resource = ["*"]
      },
      # ... and its metrics to the service's metrics log group, nowhere else.
      {
        Sid      = "SendMetrics"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = [aws_cloudwatch_log_group.metrics[0].arn, "${aws_cloudwatch_log_group.metrics[0].arn}:*"]
      },
    ],
    # Topics and queues are encrypted with the messaging key; the key may be
    # used only through those services.
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

  worker_statements = concat(
    # A service's events leave through the outbox relay (and, for payment,
    # right after a step's transaction), which run in its worker: no API
    # publishes, and the topic's policy refuses every role but the worker's.
    var.events_topic_arn == null ? [] : [{
      Sid      = "PublishOwnEvents"
      Effect   = "Allow"
      Action   = ["sns:Publish"]
      Resource = [var.events_topic_arn]
    }],
    # sqs:DeleteMessage also grants DeleteMessageBatch, which the consumers use.
    length(var.consumed_queues) == 0 ? [] : [{
      Sid      = "ConsumeOwnQueues"
      Effect   = "Allow"
      Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]
      Resource = [for queue in values(var.consumed_queues) : queue.arn]
    }],
    try(var.saga.starts_executions, false) ? [{
      Sid      = "StartSaga"
      Effect   = "Allow"
      Action   = ["states:StartExecution"]
      Resource = [var.saga.state_machine_arn]
    }] : [],
    # Answering a callback task: IAM cannot scope SendTask* to a state
    # machine (the request names only the task token), so the resource is
    # "*". The token is the capability, and only this service's own command
    # queue carries the tokens for its steps.
    try(var.saga.runs_steps, false) ? [{
      Sid      = "AnswerSagaSteps"
      Effect   = "Allow"
      Action   = ["states:SendTaskSuccess", "states:SendTaskFailure"]
      Resource = ["*"]
    }] : [],
  )

  task_statements = {
    api    = local.shared_statements
    worker = concat(local.shared_statements, local.worker_statements)
  }
}

# The task roles are what the service's code runs as: one for the API, one
# for the worker.
resource "aws_iam_role" "task" {
  for_each = local.task_statements

  name               = "${local.full_name}-${each.key}-task"
  assume_role_policy = module.execution.ecs_tasks_trust
}

resource "aws_iam_role_policy" "task" {
  for_each = local.task_statements

  name   = "run-${var.name}-${each.key}"
  role   = aws_iam_role.task[each.key].id
  policy = jsonencode({ Version = "2012-10-17", Statement = each.value })
}
