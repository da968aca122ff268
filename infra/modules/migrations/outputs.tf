output "run" {
  description = "How the deploy runs each schema's migrations: the cluster, the network settings, and per schema the task definition (family:revision) to start."
  value = {
    cluster         = var.cluster.name
    subnets         = var.subnet_ids
    security_groups = [aws_security_group.this.id]
    task_definitions = {
      for schema, definition in aws_ecs_task_definition.this : schema => "${definition.family}:${definition.revision}"
    }
  }
}

output "task_definitions" {
  description = "Per schema, the task and execution roles and the container definitions."
  value = {
    for schema, definition in aws_ecs_task_definition.this : schema => {
      family             = definition.family
      task_role_arn      = definition.task_role_arn
      execution_role_arn = definition.execution_role_arn
      containers         = jsondecode(definition.container_definitions)
    }
  }
}

output "execution_policy" {
  description = "The migration tasks' execution role and its policy document."
  value       = { role_arn = module.execution.roles.migrations.arn, policy = module.execution.roles.migrations.policy }
}

output "task_policies" {
  description = "Per schema, the migration task role's policy document."
  value       = { for schema, policy in aws_iam_role_policy.task : schema => jsondecode(policy.policy) }
}

output "security_group_rules" {
  description = "The migration tasks' group, the group its database rule reaches, and the database's rule admitting it ([group, source])."
  value = {
    group         = aws_security_group.this.id
    database      = aws_vpc_security_group_egress_rule.database.referenced_security_group_id
    database_from = [aws_vpc_security_group_ingress_rule.database_from_migrations.security_group_id, aws_vpc_security_group_ingress_rule.database_from_migrations.referenced_security_group_id]
  }
}

output "role_trusts" {
  description = "Per role (execution, <schema>-task), who may assume it (its trust policy)."
  value = merge(
    { execution = module.execution.roles.migrations.trust },
    { for schema, role in aws_iam_role.task : "${schema}-task" => jsondecode(role.assume_role_policy) },
  )
}
