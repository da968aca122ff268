locals {
  # Every queue refuses unencrypted transport.
  deny_insecure_transport = {
    Sid       = "DenyInsecureTransport"
    Effect    = "Deny"
    Principal = "*"
    Action    = "sqs:*"
    Condition = { Bool = { "aws:SecureTransport" = "false" } }
  }
}

# Every queue admits only its rightful senders, and denies everyone else,
# principals of this account included (their own IAM policies cannot
# override an explicit Deny): a command queue its senders' roles, a
# subscribed queue SNS delivering from the topics it subscribes to.
resource "aws_sqs_queue_policy" "this" {
  for_each = local.queues

  queue_url = aws_sqs_queue.this[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [merge(local.deny_insecure_transport, { Resource = aws_sqs_queue.this[each.key].arn })],
      # A command queue takes messages from its senders alone: whoever else can write to it
      # could make up a command for any order (a saga step, or a PlaceOrder at any price).
      # A request that names no principal (an AWS service's) has no aws:PrincipalArn, and a
      # negated condition on a missing key holds: it is denied too.
      contains(keys(var.command_senders), each.key) ? [{
        Sid       = "OnlyItsSendersSend"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.this[each.key].arn
        Condition = { ArnNotEquals = { "aws:PrincipalArn" = var.command_senders[each.key] } }
      }] : [],
      # A subscribed queue takes messages from SNS delivering for its topics alone. A
      # principal sending directly carries no aws:SourceArn, so the negated condition holds
      # and it is denied; SNS delivering for any other topic carries that topic's ARN.
      length(local.topics_of_queue[each.key]) == 0 ? [] : [{
        Sid       = "OnlyItsTopicsSend"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.this[each.key].arn
        Condition = { ArnNotEquals = { "aws:SourceArn" = [for topic in local.topics_of_queue[each.key] : aws_sns_topic.this[topic].arn] } }
      }],
      length(local.topics_of_queue[each.key]) == 0 ? [] : [{
        Sid       = "AllowSubscribedTopics"
        Effect    = "Allow"
        Principal = { Service = "sns.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.this[each.key].arn
        Condition = { ArnEquals = { "aws:SourceArn" = [for topic in local.topics_of_queue[each.key] : aws_sns_topic.this[topic].arn] } }
      }],
    )
  })
}

# A dead-letter queue receives what SQS moves from its source queue after
# max_receive_count receives (and only from that queue: the redrive allow
# policy in main.tf). No principal sends to it: a message slipped in there
# would reach the consumer on a redrive. AWS services are spared, so the
# move stays SQS's own whatever way it is authorized; none other has an
# Allow here to send with.
resource "aws_sqs_queue_policy" "dead_letter" {
  for_each = local.queues

  queue_url = aws_sqs_queue.dead_letter[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      merge(local.deny_insecure_transport, { Resource = aws_sqs_queue.dead_letter[each.key].arn }),
      {
        Sid       = "NoPrincipalSends"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.dead_letter[each.key].arn
        Condition = { BoolIfExists = { "aws:PrincipalIsAWSService" = "false" } }
      },
    ]
  })
}

# Every shop topic takes events from its publishers alone, and refuses
# unencrypted transport. A Deny for every other principal, the account's own
# included: whoever could publish to a topic could make up any of its service's
# events, and SNS would deliver them to every subscribed queue, whose policies
# admit what the topic sends. Delivery from the topic to its queues is no
# publish, and is governed by the queues' policies alone.
resource "aws_sns_topic_policy" "this" {
  for_each = aws_sns_topic.this

  arn = each.value.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sns:Publish"
        Resource  = each.value.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "OnlyItsPublishersPublish"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sns:Publish"
        Resource  = each.value.arn
        Condition = { ArnNotEquals = { "aws:PrincipalArn" = lookup(var.topic_publishers, each.key, []) } }
      },
    ]
  })

  lifecycle {
    precondition {
      condition     = length(lookup(var.topic_publishers, each.key, [])) > 0
      error_message = "Every topic names the roles that publish to it (topic_publishers)."
    }
  }
}
