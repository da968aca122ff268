output "api_endpoint" {
  description = "Base URL of the shop's API."
  value       = module.api.endpoint
}

output "user_pool_id" {
  description = "Cognito user pool."
  value       = module.cognito.user_pool_id
}

output "app_client_id" {
  description = "Cognito app client clients sign in with."
  value       = module.cognito.client_id
}

output "ecr_repositories" {
  description = "Where to push each image."
  value       = { for name, repository in module.ecr.repository : name => repository.url }
}

output "ecs_cluster" {
  description = "The ECS cluster."
  value       = module.ecs_cluster.name
}

output "ecs_services" {
  description = "Per shop service, its API and worker ECS services."
  value       = { for name, service in module.service : name => service.ecs_services }
}

output "state_machine_arn" {
  description = "The order saga."
  value       = module.workflow.state_machine_arn
}

output "alarm_topic_arn" {
  description = "Topic every alarm notifies; subscribe on-call tooling to it."
  value       = module.messaging.alarm_topic_arn
}

output "migrations" {
  description = "What the deploy needs to run the release's migration tasks before the services roll (README.md, \"Deploy\"): the cluster, subnets, security groups and, per schema, the task definition."
  value       = module.migrations.run
}
