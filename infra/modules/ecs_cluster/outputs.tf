output "arn" {
  description = "The cluster's ARN."
  value       = aws_ecs_cluster.this.arn
}

output "name" {
  description = "The cluster's name, once Fargate and Fargate Spot are attached to it."
  value       = aws_ecs_cluster_capacity_providers.this.cluster_name # services name a capacity provider strategy
}
