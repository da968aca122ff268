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

output "saga_key_arn" {
  description = "The secret holding the saga's signing key."
  value       = aws_secretsmanager_secret.saga_key.arn
}

output "saga_key" {
  description = "The signing key's secret: its name, key, recovery window, and the version ECS reads (never the value)."
  value = {
    name                    = aws_secretsmanager_secret.saga_key.name
    kms_key_id              = aws_secretsmanager_secret.saga_key.kms_key_id
    recovery_window_in_days = aws_secretsmanager_secret.saga_key.recovery_window_in_days
    secret_id               = aws_secretsmanager_secret_version.saga_key.secret_id
    version                 = aws_secretsmanager_secret_version.saga_key.secret_string_wo_version
    version_id              = aws_secretsmanager_secret_version.saga_key.version_id
    # The value goes in through the write-only argument only: none in the state.
    value_in_state = nonsensitive(aws_secretsmanager_secret_version.saga_key.secret_string != null)
  }
}

output "role_trust" {
  description = "Who may assume the state machine's role (its trust policy)."
  value       = jsondecode(aws_iam_role.this.assume_role_policy)
}
