output "data_key_arn" {
  description = "Key for data at rest."
  value       = aws_kms_key.data.arn
}

output "messaging_key_arn" {
  description = "Key for topics, queues and the state machine."
  value       = aws_kms_key.messaging.arn
}

output "key_policies" {
  description = "Each key's policy document (data, messaging)."
  value       = { data = jsondecode(aws_kms_key.data.policy), messaging = jsondecode(aws_kms_key.messaging.policy) }
}
