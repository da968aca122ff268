variable "name" {
  description = "The shop service, e.g. ordering; its Python package and image are named after it."
  type        = string
}

variable "prefix" {
  description = "Name prefix, e.g. shop-prod."
  type        = string
}

variable "region" {
  description = "Region, given to the containers as AWS_REGION."
  type        = string
}

variable "account_id" {
  description = "The account's id, for ARNs and conditions (given, not looked up: the module's reads would otherwise wait on everything it depends on, and every plan would show its roles as changing)."
  type        = string
}

variable "cluster" {
  description = "The ECS cluster, and whether Container Insights publishes its task counts."
  type        = object({ arn = string, name = string, container_insights = bool })
}

variable "image" {
  description = "The service's ECR repository and the tag to run."
  type        = object({ repository_arn = string, repository_url = string, tag = string })
}

variable "vpc_id" {
  description = "The VPC."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the tasks run in."
  type        = list(string)
}

variable "load_balancer" {
  description = "The internal ALB's security group and ARN suffix, and this service's target group."
  type = object({
    security_group_id       = string
    arn_suffix              = string
    target_group_arn        = string
    target_group_arn_suffix = string
  })
}

variable "forwarded_allow_ips" {
  description = "Address ranges the load balancer connects to the API from (its subnets): the API believes forwarded headers from these alone (FORWARDED_ALLOW_IPS)."
  type        = list(string)

  validation {
    condition     = length(var.forwarded_allow_ips) > 0 && alltrue([for cidr in var.forwarded_allow_ips : can(cidrnetmask(cidr))])
    error_message = "Give the load balancer's subnets as IPv4 CIDR blocks."
  }
}

variable "container_port" {
  description = "Port the API listens on."
  type        = number
  default     = 8000
}

variable "alb_port" {
  description = "Port of the ALB listener, for services that call others through it."
  type        = number
  default     = 80
}

variable "auth" {
  description = "How the service verifies tokens: the issuer, its JWKS URL and the app client id."
  type        = object({ issuer = string, jwks_url = string, client_id = string })
}

variable "extra_environment" {
  description = "Further environment variables of both processes (settings the topology does not imply)."
  type        = map(string)
  default     = {}
}

variable "log_level" {
  description = "LOG_LEVEL of both processes."
  type        = string
}

variable "database" {
  description = "For services that own a schema: the cluster, and the service's own role (user) and schema; null for the others. The schema is migrated by the release's migration task (modules/migrations), never by the service."
  type = object({
    host                = string
    port                = number
    name                = string
    user                = string
    schema              = string
    cluster_resource_id = string
    security_group_id   = string
  })
  default = null
}

variable "tables" {
  description = "DynamoDB tables the service owns, by topology name."
  type        = map(object({ name = string, arn = string }))
  default     = {}
}

variable "events_topic_arn" {
  description = "The service's own <service>-events topic, or null."
  type        = string
  default     = null
}

variable "consumed_queues" {
  description = "Queues the worker consumes, by topology name."
  type        = map(object({ arn = string, url = string, name = string }))
  default     = {}
}

variable "sent_queues" {
  description = "Other services' command queues this service sends to, by topology name."
  type        = map(object({ arn = string, url = string, name = string }))
  default     = {}
}

variable "service_urls" {
  description = "Services this one calls over HTTP, each with its base URL (given as <NAME>_URL)."
  type        = map(string)
  default     = {}
}

variable "saga" {
  description = "The order saga's state machine, whether this service starts executions, whether it runs saga steps, and the secret holding the saga's signing key with the version to read (given to the worker of a service that does either, as SAGA_KEY)."
  type        = object({ state_machine_arn = string, starts_executions = bool, runs_steps = bool, key_arn = string, key_version_id = string })
  default     = null
}

variable "data_kms_key_arn" {
  description = "Key of the tables and the database secret."
  type        = string
}

variable "messaging_kms_key_arn" {
  description = "Key of the topics, queues and state machine."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the service's log group."
  type        = number
}

variable "log_kms_key_arn" {
  description = "Key that encrypts the log group."
  type        = string
}

variable "api" {
  description = "API task size and scaling: tasks between min and max, on requests per task (per minute) or CPU."
  type = object({
    cpu                 = number
    memory              = number
    min_tasks           = number
    max_tasks           = number
    requests_per_target = number
    cpu_target_percent  = optional(number, 60)
  })
}

variable "worker" {
  description = "Worker task size and scaling on queue backlog; scales_to_zero lets an idle worker stop entirely."
  type = object({
    cpu              = number
    memory           = number
    max_tasks        = number
    backlog_per_task = number
    scales_to_zero   = bool
  })
}

variable "fargate_base_tasks" {
  description = "Tasks of each ECS service placed on regular Fargate before any goes to Spot."
  type        = number
  default     = 1
}

variable "office_hours" {
  description = "When set, both processes run only between start and stop (App Auto Scaling cron expressions in timezone) and scale to zero otherwise."
  type        = object({ timezone = string, start = string, stop = string })
  default     = null
}

variable "fargate_spot" {
  description = "Place every task beyond the first fargate_base_tasks on Fargate Spot; false keeps them on regular Fargate."
  type        = bool
}

variable "tracing" {
  description = "Telemetry through an OpenTelemetry collector beside each process (the ADOT image): traces to X-Ray, sampled at sample_ratio of new traces, and metrics to CloudWatch; null for none."
  type = object({
    collector_image = string
    sample_ratio    = number
  })
  default = null
}

variable "wait_for_steady_state" {
  description = "Have an apply wait until each ECS service's deployment has finished (and fail when the circuit breaker rolled it back)."
  type        = bool
  default     = true
}

variable "alarm_topic_arn" {
  description = "Topic the service's alarms notify."
  type        = string
}
