output "task_definitions" {
  description = "Per schema, the family of its migration task definition."
  value       = { for schema, definition in aws_ecs_task_definition.this : schema => definition.family }
}

output "security_group_id" {
  description = "Security group to run migration tasks with."
  value       = aws_security_group.this.id
}
