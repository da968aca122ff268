output "data_key_arn" {
  description = "Key for data at rest."
  value       = aws_kms_key.data.arn
}

output "messaging_key_arn" {
  description = "Key for topics, queues and the state machine."
  value       = aws_kms_key.messaging.arn
}
