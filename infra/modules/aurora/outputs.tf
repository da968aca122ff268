output "endpoint" {
  description = "Writer endpoint."
  value       = aws_rds_cluster.this.endpoint
}

output "port" {
  description = "PostgreSQL port."
  value       = aws_rds_cluster.this.port
}

output "database_name" {
  description = "Database holding the services' schemas."
  value       = aws_rds_cluster.this.database_name
}

output "master_username" {
  description = "Master user name."
  value       = aws_rds_cluster.this.master_username
}

output "master_secret_arn" {
  description = "Secrets Manager secret with the master password (JSON key \"password\")."
  value       = aws_rds_cluster.this.master_user_secret[0].secret_arn
}

output "security_group_id" {
  description = "Security group of the cluster."
  value       = aws_security_group.this.id
}

output "cluster_resource_id" {
  description = "The cluster's resource id, which IAM database authentication policies name."
  value       = aws_rds_cluster.this.cluster_resource_id
}

output "writer_instance_id" {
  description = "The first instance, the writer on creation."
  value       = aws_rds_cluster_instance.this[0].id
}

output "settings" {
  description = "What the cluster costs and how it pauses, upgrades and is torn down."
  value = {
    min_capacity               = one(aws_rds_cluster.this.serverlessv2_scaling_configuration).min_capacity
    max_capacity               = one(aws_rds_cluster.this.serverlessv2_scaling_configuration).max_capacity
    seconds_until_auto_pause   = one(aws_rds_cluster.this.serverlessv2_scaling_configuration).seconds_until_auto_pause
    instance_count             = length(aws_rds_cluster_instance.this)
    auto_minor_version_upgrade = distinct([for instance in aws_rds_cluster_instance.this : instance.auto_minor_version_upgrade])
    engine_version             = aws_rds_cluster.this.engine_version
    parameter_group_family     = aws_rds_cluster_parameter_group.this.family
    skip_final_snapshot        = aws_rds_cluster.this.skip_final_snapshot
    iam_authentication         = aws_rds_cluster.this.iam_database_authentication_enabled
  }
}

output "monitoring_trust" {
  description = "Who may assume the enhanced-monitoring role (its trust policy)."
  value       = jsondecode(aws_iam_role.monitoring.assume_role_policy)
}

output "alarms" {
  description = "Per alarm name, the metric it watches, its threshold and where it notifies."
  value = {
    for alarm in values(aws_cloudwatch_metric_alarm.this) :
    alarm.alarm_name => { metric = "${alarm.namespace}/${alarm.metric_name}", threshold = alarm.threshold, actions = alarm.alarm_actions }
  }
}
