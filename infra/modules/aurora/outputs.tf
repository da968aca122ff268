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
