variable "prefix" {
  description = "Name prefix, e.g. shop-prod."
  type        = string
}

variable "vpc_id" {
  description = "The VPC."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the VPC link."
  type        = list(string)
}

variable "services" {
  description = "Per service, the path its API is mounted on (e.g. /orders)."
  type        = map(object({ api_path = string }))
}

variable "public_routes" {
  description = "Route keys served without a token, e.g. \"GET /catalog/products\"."
  type        = list(string)
  default     = []
}

variable "required_scopes" {
  description = "Scopes a token must carry on every other route; Cognito access tokens carry aws.cognito.signin.user.admin, ID tokens carry no scope."
  type        = list(string)
  default     = ["aws.cognito.signin.user.admin"]
}

variable "route_methods" {
  description = "Methods routed to the services. Listed rather than ANY so that CORS preflight (OPTIONS) is answered by the gateway without a token."
  type        = list(string)
  default     = ["GET", "POST", "PUT", "PATCH", "DELETE"]
}

variable "alb_listener_arn" {
  description = "Listener of the internal load balancer."
  type        = string
}

variable "alb_security_group_id" {
  description = "Security group of the internal load balancer."
  type        = string
}

variable "alb_port" {
  description = "Port of the load balancer's listener."
  type        = number
  default     = 80
}

variable "jwt_issuer" {
  description = "Issuer of the user pool's tokens."
  type        = string
}

variable "jwt_audience" {
  description = "App client ids accepted (Cognito access tokens carry it as client_id)."
  type        = list(string)
}

variable "cors_allowed_origins" {
  description = "Browser origins allowed to call the API."
  type        = list(string)
}

variable "throttling_rate_limit" {
  description = "Steady-state requests per second."
  type        = number
}

variable "throttling_burst_limit" {
  description = "Burst above the rate limit."
  type        = number
}

variable "log_retention_days" {
  description = "Retention of the access log group."
  type        = number
}

variable "log_kms_key_arn" {
  description = "Key that encrypts the access log group."
  type        = string
}

variable "dropped_request_headers" {
  description = "Request headers the gateway removes before a request reaches the load balancer (lower case)."
  type        = list(string)
  default     = ["traceparent", "tracestate", "baggage"]
}

variable "alarm_topic_arn" {
  description = "Topic the API's alarm notifies."
  type        = string
}
