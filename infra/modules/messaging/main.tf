locals {
  queues = { for queue in var.queues : queue.name => queue }

  # One subscription per (queue, topic) pair, keyed "queue/topic".
  subscriptions = merge([
    for queue in var.queues : {
      for subscription in queue.subscriptions : "${queue.name}/${subscription.topic}" => {
        queue       = queue.name
        topic       = subscription.topic
        event_types = subscription.event_types
      }
    }
  ]...)

  # Topics allowed to send into each queue: exactly those it subscribes to.
  topics_of_queue = { for queue in var.queues : queue.name => [for subscription in queue.subscriptions : subscription.topic] }
}

resource "aws_sns_topic" "this" {
  for_each = { for topic in var.topics : topic.name => topic }

  name              = "${var.prefix}-${each.key}"
  kms_master_key_id = var.kms_key_arn

  tags = { Publisher = each.value.publisher }
}

resource "aws_sqs_queue" "dead_letter" {
  for_each = local.queues

  name                              = "${var.prefix}-${each.key}-dlq"
  message_retention_seconds         = 1209600 # the maximum, 14 days: time to look before messages are lost
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300

  tags = { Consumer = each.value.consumer }
}

resource "aws_sqs_queue" "this" {
  for_each = local.queues

  name                              = "${var.prefix}-${each.key}"
  visibility_timeout_seconds        = each.value.visibility_timeout_seconds
  message_retention_seconds         = 345600 # 4 days: outlasts a long weekend outage of a consumer
  receive_wait_time_seconds         = 20     # long polling: fewer empty receives
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300

  tags = { Consumer = each.value.consumer }
}

# After max_receive_count failed receives a message moves to the queue's
# dead-letter queue instead of being retried forever.
resource "aws_sqs_queue_redrive_policy" "this" {
  for_each = local.queues

  queue_url = aws_sqs_queue.this[each.key].id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter[each.key].arn
    maxReceiveCount     = each.value.max_receive_count
  })
}

# Only a queue's own source may move messages into its dead-letter queue.
resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  for_each = local.queues

  queue_url = aws_sqs_queue.dead_letter[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this[each.key].arn]
  })
}

resource "aws_sns_topic_subscription" "this" {
  for_each = local.subscriptions

  topic_arn            = aws_sns_topic.this[each.value.topic].arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.this[each.value.queue].arn
  raw_message_delivery = true # consumers read the envelope itself, not an SNS wrapper
  filter_policy_scope  = "MessageAttributes"
  filter_policy        = jsonencode({ type = each.value.event_types })

  depends_on = [aws_sqs_queue_policy.this]
}
