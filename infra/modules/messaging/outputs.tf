output "topic" {
  description = "Per topology topic name, the topic's ARN."
  value       = { for name, topic in aws_sns_topic.this : name => { arn = topic.arn } }
}

output "queue" {
  description = "Per topology queue name, the queue's ARN, URL and name."
  value       = { for name, queue in aws_sqs_queue.this : name => { arn = queue.arn, url = queue.url, name = queue.name } }
}

output "dead_letter_queue" {
  description = "Per topology queue name, its dead-letter queue's ARN and URL."
  value       = { for name, queue in aws_sqs_queue.dead_letter : name => { arn = queue.arn, url = queue.url } }
}

output "alarm_topic_arn" {
  description = "Topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}

output "queue_policy" {
  description = "Per topology queue name, the queue's access policy."
  value       = { for name, policy in aws_sqs_queue_policy.this : name => jsondecode(policy.policy) }
}

output "dead_letter_queue_policy" {
  description = "Per topology queue name, its dead-letter queue's access policy."
  value       = { for name, policy in aws_sqs_queue_policy.dead_letter : name => jsondecode(policy.policy) }
}

output "dead_letter_sources" {
  description = "Per topology queue name, its dead-letter queue's redrive allow policy: which queues may move messages into it."
  value       = { for name, policy in aws_sqs_queue_redrive_allow_policy.dead_letter : name => jsondecode(policy.redrive_allow_policy) }
}

output "topic_policy" {
  description = "Per topology topic name, the topic's access policy."
  value       = { for name, policy in aws_sns_topic_policy.this : name => jsondecode(policy.policy) }
}

output "alarms" {
  description = "Per alarm name, the metric it watches (namespace/name, or the expression), its threshold and where it notifies."
  value = {
    for alarm in concat(values(aws_cloudwatch_metric_alarm.dead_letter), values(aws_cloudwatch_metric_alarm.queue_age)) :
    alarm.alarm_name => { metric = "${alarm.namespace}/${alarm.metric_name}", threshold = alarm.threshold, actions = alarm.alarm_actions }
  }
}
