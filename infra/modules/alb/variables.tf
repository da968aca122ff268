variable "prefix" {
  description = "Name prefix, e.g. shop-prod."
  type        = string
}

variable "vpc_id" {
  description = "The VPC."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the internal load balancer lives in."
  type        = list(string)
}

variable "services" {
  description = "Per service, the path its API is mounted on (e.g. /orders)."
  type        = map(object({ api_path = string }))
}

variable "container_port" {
  description = "Port the API containers listen on."
  type        = number
  default     = 8000
}

variable "health_check_path" {
  description = "What the load balancer asks each API task: liveness, not readiness. A database that stops answering for a while must not take every task out of service at once (and have ECS replace them all); the services answer 503 for what needs it meanwhile."
  type        = string
  default     = "/health/live"
}

variable "deletion_protection" {
  description = "Protect the load balancer from deletion."
  type        = bool
}

variable "alarm_topic_arn" {
  description = "Topic the load balancer's alarm notifies."
  type        = string
}
