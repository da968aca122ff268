# Development: one account of its own, smallest footprint, easy to tear down.
environment        = "dev"
region             = "eu-west-1"
availability_zones = ["eu-west-1a", "eu-west-1b"]
single_nat_gateway = true

# Fewer endpoints: the rest of the AWS calls go through the NAT gateway.
interface_endpoints = []

# The shop's own code at INFO; the AWS SDK and SQLAlchemy log warnings only,
# whatever the level (a debug line per AWS call would be most of the bill).
log_level = "INFO"
# Every trace is kept: development traffic is small and each order is worth seeing.
trace_sample_ratio  = 1
log_retention_days  = 30
deletion_protection = false
allow_password_auth = true

cors_allowed_origins = ["http://localhost:3000"]

api_throttling_rate_limit  = 50
api_throttling_burst_limit = 100

aurora_min_capacity             = 0
aurora_max_capacity             = 2
aurora_seconds_until_auto_pause = 300
aurora_instance_count           = 1
aurora_backup_retention_days    = 7

api_task_size    = { cpu = 256, memory = 512 }
worker_task_size = { cpu = 256, memory = 512 }
api_min_tasks    = 1
api_max_tasks    = 2
worker_max_tasks = 2

# Spot only, and only in working hours: outside them every task stops, the
# database's connections close and Aurora pauses (README.md, "Cost").
fargate_spot       = true
fargate_base_tasks = 0

# No Container Insights (billed per metric): ECS still publishes each service's
# CPU and memory, and workers scale in steps on their queues' depth.
container_insights = false
office_hours = {
  timezone = "Europe/Dublin"
  start    = "cron(0 8 ? * MON-FRI *)"
  stop     = "cron(0 19 ? * MON-FRI *)"
}
