# Production: three zones, a NAT gateway per zone, a standby database
# instance, deletion protection, a year of logs.
environment        = "prod"
region             = "eu-west-1"
availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
single_nat_gateway = false

log_level = "INFO"
# One new trace in twenty is kept whole, from checkout to its last saga step.
trace_sample_ratio  = 0.05
log_retention_days  = 365
deletion_protection = true
allow_password_auth = false

cors_allowed_origins = ["https://shop.example.com"]

api_throttling_rate_limit  = 500
api_throttling_burst_limit = 1000

aurora_min_capacity             = 0
aurora_max_capacity             = 16
aurora_seconds_until_auto_pause = 3600
aurora_instance_count           = 2
aurora_backup_retention_days    = 14

api_task_size    = { cpu = 512, memory = 1024 }
worker_task_size = { cpu = 256, memory = 512 }
api_min_tasks    = 2
api_max_tasks    = 10
worker_max_tasks = 10

# The first task of each service on regular Fargate, the rest (the second API
# task, and whatever autoscaling adds) on Spot.
fargate_spot       = true
fargate_base_tasks = 1

alarm_email = "shop-oncall@example.com"

# Sign-up codes and password resets through SES: Cognito's own sender stops
# at 50 a day. The identity must be verified in SES, and the account out of
# the SES sandbox, before the apply (README.md, "Environments").
cognito_email = {
  from         = "Shop <no-reply@shop.example.com>"
  ses_identity = "shop.example.com"
}

# The shop has no real payment provider yet: this runs the simulator, which
# approves any card, in production. Plug in a provider and set this to false
# (README.md, "Payment provider") before taking real orders.
allow_payment_simulator = true
