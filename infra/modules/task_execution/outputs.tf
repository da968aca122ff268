output "ecs_tasks_trust" {
  description = "The trust policy (JSON) that lets only ECS acting for this account assume a role, for the caller's task roles too."
  value       = local.ecs_tasks_trust
}

output "roles" {
  description = "Per kind of task, its execution role's ARN, trust policy and policy document."
  value = {
    for key, role in aws_iam_role.this : key => {
      arn    = role.arn
      trust  = jsondecode(role.assume_role_policy)
      policy = jsondecode(aws_iam_role_policy.this[key].policy)
    }
  }
}

output "log_group" {
  description = "The tasks' log group: its name and ARN."
  value       = { name = aws_cloudwatch_log_group.this.name, arn = aws_cloudwatch_log_group.this.arn }
}

output "log_configurations" {
  description = "Per log stream prefix, a container's log configuration: to the log group, under that prefix."
  value = {
    for prefix in var.log_stream_prefixes : prefix => {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = var.region
        awslogs-stream-prefix = prefix
      }
    }
  }
}
