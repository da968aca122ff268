variable "prefix" {
  description = "Name prefix, e.g. shop-prod."
  type        = string
}

variable "container_insights" {
  description = "Per-service and per-task CPU, memory, network and task counts from Container Insights (billed as custom metrics); without them ECS still publishes each service's CPU and memory utilization."
  type        = bool
}
