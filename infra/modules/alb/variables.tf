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
  description = "Readiness endpoint of every API."
  type        = string
  default     = "/health/ready"
}

variable "deletion_protection" {
  description = "Protect the load balancer from deletion."
  type        = bool
}
