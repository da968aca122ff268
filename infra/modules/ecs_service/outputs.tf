output "security_group_id" {
  description = "Security group of the service's tasks."
  value       = aws_security_group.tasks.id
}

output "task_role_arns" {
  description = "Roles the service's API and worker run as."
  value       = { for process, role in aws_iam_role.task : process => role.arn }
}

output "ecs_services" {
  description = "Names of the API and worker ECS services."
  value       = { api = aws_ecs_service.api.name, worker = aws_ecs_service.worker.name }
}

output "log_group_name" {
  description = "Log group of both processes."
  value       = aws_cloudwatch_log_group.this.name
}

output "environment_variable_names" {
  description = "Names of the environment variables both processes get (values are in the task definitions)."
  value       = sort(keys(local.environment))
}
