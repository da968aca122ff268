# Two customer managed keys, so that a role allowed to use one cannot read
# what the other protects: "data" for what is stored (database, tables,
# secrets, images, logs) and "messaging" for what is in flight (topics,
# queues, the state machine). Task roles use the messaging key through SQS,
# SNS and Step Functions, and the data key only through DynamoDB (the tables
# their services own); execution roles decrypt the database's master secret
# through Secrets Manager.

locals {
  account_administers_key = {
    Sid       = "AccountAdministersKeyThroughIam"
    Effect    = "Allow"
    Principal = { AWS = "arn:aws:iam::${var.account_id}:root" }
    Action    = "kms:*"
    Resource  = "*"
  }
}

resource "aws_kms_key" "data" {
  description             = "${var.prefix}: data at rest (database, tables, secrets, images, logs)"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      local.account_administers_key,
      {
        # CloudWatch Logs encrypts log groups itself and needs the key policy
        # to say so; the encryption context pins it to this account's groups.
        Sid       = "CloudWatchLogsEncryptsLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:aws:logs:${var.region}:${var.account_id}:log-group:*" } }
      },
    ]
  })
}

resource "aws_kms_alias" "data" {
  name          = "alias/${var.prefix}-data"
  target_key_id = aws_kms_key.data.key_id
}

resource "aws_kms_key" "messaging" {
  description             = "${var.prefix}: messages in flight (topics, queues, state machine)"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      local.account_administers_key,
      {
        # SNS encrypts what it delivers into the encrypted queues.
        Sid       = "SnsDeliversIntoEncryptedQueues"
        Effect    = "Allow"
        Principal = { Service = "sns.amazonaws.com" }
        Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
      },
      {
        # CloudWatch publishes alarms to the encrypted alarm topic: this
        # account's alarms only.
        Sid       = "CloudWatchPublishesAlarms"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
      },
      {
        # Log delivery reads the encrypted state machine's execution data
        # to write it into the execution log group.
        Sid       = "LogDeliveryReadsStateMachineData"
        Effect    = "Allow"
        Principal = { Service = "delivery.logs.amazonaws.com" }
        Action    = ["kms:Decrypt"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
      },
    ]
  })
}

resource "aws_kms_alias" "messaging" {
  name          = "alias/${var.prefix}-messaging"
  target_key_id = aws_kms_key.messaging.key_id
}
