# Defaults are the production posture; env/dev.tfvars relaxes what a
# development account does not need (see README.md, "Environments").

variable "environment" {
  description = "Environment name; prefixes every resource name (shop-<environment>-...)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "Use 2-10 lowercase letters or digits, starting with a letter."
  }
}

variable "region" {
  description = "AWS region to deploy into."
  type        = string
}

variable "availability_zones" {
  description = "Availability zones to spread subnets across (2 to 4), e.g. [\"eu-west-1a\", \"eu-west-1b\", \"eu-west-1c\"]."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 4
    error_message = "Give between 2 and 4 availability zones."
  }
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC; split into /20 public, private and database subnets."
  type        = string
  default     = "10.40.0.0/16"
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper) instead of one per zone (survives a zone failure)."
  type        = bool
  default     = false
}

variable "interface_endpoints" {
  description = "AWS services reached through interface VPC endpoints rather than the NAT gateway."
  type        = list(string)
  default     = ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "sqs", "sns", "states"]
}

variable "image_tag" {
  description = "Image tag deployed for every service and the migrations (the git commit the images were built from)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,128}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "Use an immutable tag such as the git commit; 'latest' is not allowed."
  }
}

variable "log_level" {
  description = "LOG_LEVEL given to every service."
  type        = string
  default     = "INFO"
}

variable "log_retention_days" {
  description = "Retention of every CloudWatch log group."
  type        = number
  default     = 365
}

variable "cors_allowed_origins" {
  description = "Browser origins allowed to call the API (exact origins, no wildcards)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for origin in var.cors_allowed_origins : origin != "*" && can(regex("^https?://", origin))])
    error_message = "List exact origins such as https://shop.example.com; '*' is not allowed."
  }
}

variable "api_throttling_rate_limit" {
  description = "Steady-state requests per second the API gateway accepts before answering 429."
  type        = number
  default     = 500
}

variable "api_throttling_burst_limit" {
  description = "Burst of requests the API gateway accepts above the rate limit."
  type        = number
  default     = 1000
}

variable "allow_password_auth" {
  description = "Let the app client sign in with USER_PASSWORD_AUTH (handy for smoke tests; prefer SRP in production)."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Protect the database, tables, user pool and load balancer from deletion."
  type        = bool
  default     = true
}

variable "aurora_engine_version" {
  description = "Aurora PostgreSQL version; 16.3 or later is needed for a minimum capacity of 0 with auto-pause."
  type        = string
  default     = "16.8"
}

variable "aurora_min_capacity" {
  description = "Minimum Aurora capacity units; 0 lets the database pause when idle."
  type        = number
  default     = 0
}

variable "aurora_max_capacity" {
  description = "Maximum Aurora capacity units."
  type        = number
  default     = 8
}

variable "aurora_seconds_until_auto_pause" {
  description = "Idle seconds before the database pauses (300 to 86400); used when the minimum capacity is 0."
  type        = number
  default     = 3600
}

variable "aurora_instance_count" {
  description = "Aurora instances: 1 writer plus readers in other zones that can take over on failure."
  type        = number
  default     = 2
}

variable "aurora_backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery window)."
  type        = number
  default     = 14
}

variable "api_task_size" {
  description = "CPU units and MiB of memory of each API task."
  type        = object({ cpu = number, memory = number })
  default     = { cpu = 512, memory = 1024 }
}

variable "worker_task_size" {
  description = "CPU units and MiB of memory of each worker task."
  type        = object({ cpu = number, memory = number })
  default     = { cpu = 256, memory = 512 }
}

variable "api_min_tasks" {
  description = "Tasks each API keeps running; 2 or more keeps it up through a zone failure."
  type        = number
  default     = 2
}

variable "api_max_tasks" {
  description = "Tasks each API may scale out to."
  type        = number
  default     = 10
}

variable "api_requests_per_target" {
  description = "Requests per minute per API task that autoscaling aims for."
  type        = number
  default     = 3000
}

variable "worker_max_tasks" {
  description = "Tasks each worker may scale out to."
  type        = number
  default     = 10
}

variable "worker_backlog_per_task" {
  description = "Messages waiting per worker task that autoscaling aims for."
  type        = number
  default     = 100
}

variable "fargate_spot" {
  description = "Place every task of each ECS service beyond the first fargate_base_tasks on Fargate Spot; false keeps them all on regular Fargate."
  type        = bool
  default     = true
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic (confirm the subscription by mail); null for none."
  type        = string
  default     = null
}

variable "payment_provider" {
  description = "PAYMENT_PROVIDER of the payment service; only \"simulator\" exists so far (see README.md, \"Payment provider\")."
  type        = string
  default     = "simulator"

  validation {
    condition     = contains(["simulator"], var.payment_provider)
    error_message = "payment_provider names a provider the payment service has: \"simulator\" (README.md, \"Payment provider\")."
  }
}

variable "allow_payment_simulator" {
  description = "Let the simulated provider, which approves any card, run in prod. It refuses to start there otherwise."
  type        = bool
  default     = false
}

variable "fargate_base_tasks" {
  description = "Tasks of each ECS service on regular Fargate, whatever fargate_spot says; 0 with fargate_spot runs everything on Spot."
  type        = number
  default     = 1
}

variable "container_insights" {
  description = "Container Insights on the ECS cluster (per-service task counts, network and storage, billed as custom metrics). Without them workers scale in steps on their queues' depth instead of tracking the backlog per task."
  type        = bool
  default     = true
}

variable "office_hours" {
  description = "Run the services only in these hours (App Auto Scaling cron expressions in timezone) and scale every process to zero outside them, letting Aurora pause; null runs them always."
  type        = object({ timezone = string, start = string, stop = string })
  default     = null
}

variable "saga_step_timeout_seconds" {
  description = "How long the order saga waits for each step's answer, by the service that runs the step; past it the order is compensated and cancelled with reason TIMEOUT (from ConfirmOrder on, and in every compensation, a step is first asked twice more: the order may already show CONFIRMED, and the answer was most likely only late). Payment waits longest: a card network can be slow to answer. Each must outlast a worker's restart (a message a killed worker held comes back after 10 s)."
  type        = object({ inventory = number, payment = number, ordering = number })
  default     = { inventory = 120, payment = 300, ordering = 120 }
  validation {
    condition     = alltrue([for seconds in values(var.saga_step_timeout_seconds) : seconds >= 30 && seconds <= 86400 && floor(seconds) == seconds])
    error_message = "Whole seconds from 30 to 86400 (a day)."
  }
}

variable "saga_key" {
  description = "The saga's signing key (secret <prefix>-saga-key, given to the ordering, inventory and payment workers as SAGA_KEY). Written only by the first apply and one that raises saga_key_version, but every plan covering the secret must be given one (the provider wants a value beside saga_key_version); for those that do not write it, any valid key will do. Never stored in a plan or the state; README.md, \"Saga signing key\", has the command that makes one."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = null
  validation {
    condition     = var.saga_key == null || can(regex("^[A-Za-z0-9]{43,}$", var.saga_key))
    error_message = "At least 43 letters and digits (256 bits)."
  }
}

variable "saga_key_version" {
  description = "Version of the saga's signing key: raising it writes saga_key into the secret as a new version, and the ordering, inventory and payment workers, whose task definitions name that version, are redeployed with it."
  type        = number
  default     = 1
  validation {
    condition     = var.saga_key_version >= 1 && floor(var.saga_key_version) == var.saga_key_version
    error_message = "A whole number from 1."
  }
}

variable "trace_sample_ratio" {
  description = "Share of new traces recorded and sent to X-Ray (0 to 1). A trace continues where it was started, so an order is traced whole or not at all. Above 0, a collector beside each process also sends its metrics to CloudWatch; 0 runs no collector (no traces, no metrics)."
  type        = number
  default     = 0.05
  validation {
    condition     = var.trace_sample_ratio >= 0 && var.trace_sample_ratio <= 1
    error_message = "A ratio between 0 and 1."
  }
}

variable "otel_collector_image" {
  description = "The OpenTelemetry collector beside each process: AWS Distro for OpenTelemetry, whose image carries the X-Ray pipeline used here. From an ECR registry (ECR Public, or the account's own: a pull-through cache or a copy), pinned by digest, so that what runs is what was tested and a pull never meets an anonymous rate limit of another registry."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3@sha256:8aa9ea5f67b8d318f7d6af24677e3c70f7098bc0631147cb5fa91addbe980b06"

  validation {
    condition     = can(regex("^(public\\.ecr\\.aws|[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com)/[a-z0-9._/-]+(:[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}$", var.otel_collector_image))
    error_message = "Name the collector image in ECR Public or an ECR registry of the account, by digest (<repository>[:<tag>]@sha256:<64 hex digits>)."
  }
}

variable "ecs_wait_for_steady_state" {
  description = "An apply waits until every ECS service's deployment has finished, and fails when one was rolled back (its tasks did not turn healthy). Only an apply against an emulator whose tasks never run has reason to turn it off."
  type        = bool
  default     = true
}

variable "cognito_email" {
  description = "Send the user pool's e-mail (sign-up codes, password resets) through SES: from this address, as this SES identity of the account (a domain or an address, verified in SES, and the account out of the SES sandbox). Null keeps Cognito's own sender, which stops at 50 messages a day."
  type        = object({ from = string, ses_identity = string, reply_to = optional(string) })
  default     = null
}
