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
  value       = module.execution.log_group.name
}

output "metrics_log_group" {
  description = "Where the collector writes the service's metrics (name and ARN); null without a collector."
  value       = var.tracing == null ? null : { name = aws_cloudwatch_log_group.metrics[0].name, arn = aws_cloudwatch_log_group.metrics[0].arn }
}

output "environment_variable_names" {
  description = "Per process (api, worker), the names of its environment variables (values are in the task definitions)."
  value       = { for process, environment in local.process_environment : process => sort(keys(environment)) }
}

output "task_policies" {
  description = "Per process (api, worker), the task role's policy document."
  value       = { for process, policy in aws_iam_role_policy.task : process => jsondecode(policy.policy) }
}

output "execution_policies" {
  description = "Per process (api, worker), the execution role's ARN and policy document."
  value = {
    for process, role in module.execution.roles : process => { role_arn = role.arn, policy = role.policy }
  }
}

output "task_definitions" {
  description = "Per process, the task and execution roles and the container definitions."
  value = {
    for process, definition in aws_ecs_task_definition.this : process => {
      task_role_arn      = definition.task_role_arn
      execution_role_arn = definition.execution_role_arn
      cpu                = tonumber(definition.cpu)
      memory             = tonumber(definition.memory)
      containers         = jsondecode(definition.container_definitions)
    }
  }
}

output "ecs_service_settings" {
  description = "Per process, the ECS service's starting task count, capacity provider strategy and whether an apply waits for its deployment."
  value = {
    api    = { desired_count = aws_ecs_service.api.desired_count, capacity = aws_ecs_service.api.capacity_provider_strategy, wait_for_steady_state = aws_ecs_service.api.wait_for_steady_state }
    worker = { desired_count = aws_ecs_service.worker.desired_count, capacity = aws_ecs_service.worker.capacity_provider_strategy, wait_for_steady_state = aws_ecs_service.worker.wait_for_steady_state }
  }
}

output "security_group_rules" {
  description = "Both ends of each path to and from the tasks: [group, the group it admits or reaches]."
  value = {
    tasks_group   = aws_security_group.tasks.id
    api_from      = aws_vpc_security_group_ingress_rule.api_from_alb.referenced_security_group_id
    alb_to_api    = [aws_vpc_security_group_egress_rule.alb_to_api.security_group_id, aws_vpc_security_group_egress_rule.alb_to_api.referenced_security_group_id]
    database      = [for rule in aws_vpc_security_group_egress_rule.database : rule.referenced_security_group_id]
    database_from = [for rule in aws_vpc_security_group_ingress_rule.database_from_tasks : [rule.security_group_id, rule.referenced_security_group_id]]
  }
}

output "office_hours" {
  description = "Scheduled bounds of each process (start and stop), empty when it always runs."
  value = {
    for name, action in aws_appautoscaling_scheduled_action.office_hours : name => {
      schedule = action.schedule
      min      = tonumber(one(action.scalable_target_action).min_capacity)
      max      = tonumber(one(action.scalable_target_action).max_capacity)
    }
  }
}

output "role_trusts" {
  description = "Per role (<process>-task, <process>-execution), who may assume it (its trust policy)."
  value = merge(
    { for process, role in aws_iam_role.task : "${process}-task" => jsondecode(role.assume_role_policy) },
    { for process, role in module.execution.roles : "${process}-execution" => role.trust },
  )
}

output "alarms" {
  description = "Per process, the alarm on tasks desired but not running (none without Container Insights): its expression and where it notifies."
  value = {
    for process, alarm in aws_cloudwatch_metric_alarm.tasks_missing : process => {
      name       = alarm.alarm_name
      expression = one([for query in alarm.metric_query : query.expression if query.return_data == true])
      actions    = alarm.alarm_actions
    }
  }
}
