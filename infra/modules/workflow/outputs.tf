output "state_machine_arn" {
  description = "The state machine."
  value       = aws_sfn_state_machine.this.arn
}

output "log_group_name" {
  description = "Execution log group."
  value       = aws_cloudwatch_log_group.this.name
}
