output "arn" {
  description = "The cluster's ARN."
  value       = aws_ecs_cluster.this.arn
}

output "container_insights" {
  description = "Whether Container Insights publishes the cluster's metrics (RunningTaskCount among them)."
  value       = one(aws_ecs_cluster.this.setting).value == "enabled"
}

output "name" {
  description = "The cluster's name, once Fargate and Fargate Spot are attached to it."
  value       = aws_ecs_cluster_capacity_providers.this.cluster_name # services name a capacity provider strategy
}
