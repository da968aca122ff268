data "aws_caller_identity" "current" {}

locals {
  state_machine_name = "${var.prefix}-${var.name}"
}

# The vendedlogs prefix keeps CloudWatch Logs' resource policy small as
# state machines are added.
resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/vendedlogs/states/${local.state_machine_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
}

resource "aws_iam_role" "this" {
  name = "${local.state_machine_name}-execution"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "states.amazonaws.com" }
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

resource "aws_iam_role_policy" "this" {
  name = "run-${var.name}"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "SendCommandsToItsQueues"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = [for queue in values(var.queues) : queue.arn]
      },
      {
        # Encrypted queues and the state machine's own encrypted data.
        Sid      = "UseMessagingKey"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource = [var.messaging_kms_key_arn]
      },
      {
        # Log delivery and X-Ray take no resource-level permissions.
        Sid    = "DeliverExecutionLogs"
        Effect = "Allow"
        Action = [
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
          "logs:DescribeLogGroups",
        ]
        Resource = ["*"]
      },
      {
        Sid      = "SendTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
        Resource = ["*"]
      },
    ]
  })
}

resource "aws_sfn_state_machine" "this" {
  name     = local.state_machine_name
  type     = "STANDARD" # exactly-once steps and up to a year of waiting on callbacks
  role_arn = aws_iam_role.this.arn

  # The same file the local bootstrap loads; the queue URLs and step timeouts differ.
  definition = templatefile(var.definition_file, merge(
    { for name, queue in var.queues : "${replace(name, "-", "_")}_queue_url" => queue.url },
    { for service, seconds in var.step_timeout_seconds : "${service}_step_timeout_seconds" => seconds },
  ))

  logging_configuration {
    log_destination = "${aws_cloudwatch_log_group.this.arn}:*"
    # Execution data carries task tokens and payment tokens: errors only,
    # without it. The order's timeline is the shop's own data.
    include_execution_data = false
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }

  encryption_configuration {
    type                              = "CUSTOMER_MANAGED_KMS_KEY"
    kms_key_id                        = var.messaging_kms_key_arn
    kms_data_key_reuse_period_seconds = 300
  }

  depends_on = [aws_iam_role_policy.this]
}

# Cancelled orders end in success; a failed, timed-out or aborted execution
# means an order may be stuck between states and needs a person.
resource "aws_cloudwatch_metric_alarm" "executions" {
  for_each = toset(["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"])

  alarm_name          = "${local.state_machine_name}-${each.key}"
  alarm_description   = "${var.name}: ${each.key} > 0; look at the execution history."
  namespace           = "AWS/States"
  metric_name         = each.key
  dimensions          = { StateMachineArn = aws_sfn_state_machine.this.arn }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
}
