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

# A subscribed queue also accepts messages from SNS, but only from the topics
# it subscribes to.
resource "aws_sqs_queue_policy" "this" {
  for_each = local.queues

  queue_url = aws_sqs_queue.this[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [merge(local.deny_insecure_transport, { Resource = aws_sqs_queue.this[each.key].arn })],
      # A command queue takes messages from its senders alone: whoever else can write to it
      # could make up a command for any order (the workers also refuse task tokens the state
      # machine did not issue).
      contains(keys(var.command_senders), each.key) ? [{
        Sid       = "OnlyItsSendersSend"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.this[each.key].arn
        Condition = { ArnNotEquals = { "aws:PrincipalArn" = var.command_senders[each.key] } }
      }] : [],
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

resource "aws_sqs_queue_policy" "dead_letter" {
  for_each = local.queues

  queue_url = aws_sqs_queue.dead_letter[each.key].id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [merge(local.deny_insecure_transport, { Resource = aws_sqs_queue.dead_letter[each.key].arn })]
  })
}
