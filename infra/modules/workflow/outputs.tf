output "state_machine_arn" {
  description = "The state machine."
  value       = aws_sfn_state_machine.this.arn
}

output "log_group_name" {
  description = "Execution log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "definition" {
  description = "The rendered state machine definition (Amazon States Language)."
  value       = aws_sfn_state_machine.this.definition
}

output "logging" {
  description = "What the state machine logs."
  value       = one(aws_sfn_state_machine.this.logging_configuration)
}

output "role_arn" {
  description = "The role the state machine runs as: the one sender of the saga's command queues."
  value       = aws_iam_role.this.arn
}
