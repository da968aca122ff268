module "kms" {
  source = "./modules/kms"

  prefix     = local.prefix
  region     = var.region
  account_id = local.account_id
}

module "network" {
  source = "./modules/network"

  prefix              = local.prefix
  region              = var.region
  account_id          = local.account_id
  cidr                = var.vpc_cidr
  availability_zones  = var.availability_zones
  single_nat_gateway  = var.single_nat_gateway
  interface_endpoints = var.interface_endpoints
  log_retention_days  = var.log_retention_days
  log_kms_key_arn     = module.kms.data_key_arn
}

module "ecr" {
  source = "./modules/ecr"

  repositories = local.image_repositories
  kms_key_arn  = module.kms.data_key_arn
  force_delete = !var.deletion_protection
}

module "cognito" {
  source = "./modules/cognito"

  prefix              = local.prefix
  region              = var.region
  account_id          = local.account_id
  identity            = local.topology.identity
  email               = var.cognito_email
  allow_password_auth = var.allow_password_auth
  deletion_protection = var.deletion_protection
}

module "aurora" {
  source = "./modules/aurora"

  prefix                   = local.prefix
  account_id               = local.account_id
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.database_subnet_ids
  engine_version           = var.aurora_engine_version
  min_capacity             = var.aurora_min_capacity
  max_capacity             = var.aurora_max_capacity
  seconds_until_auto_pause = var.aurora_seconds_until_auto_pause
  instance_count           = var.aurora_instance_count
  backup_retention_days    = var.aurora_backup_retention_days
  deletion_protection      = var.deletion_protection
  skip_final_snapshot      = !var.deletion_protection
  alarm_topic_arn          = module.messaging.alarm_topic_arn
  kms_key_arn              = module.kms.data_key_arn
  log_retention_days       = var.log_retention_days
  log_kms_key_arn          = module.kms.data_key_arn
}

module "dynamodb" {
  source = "./modules/dynamodb"

  prefix              = local.prefix
  tables              = local.topology.tables
  kms_key_arn         = module.kms.data_key_arn
  deletion_protection = var.deletion_protection
}

module "messaging" {
  source = "./modules/messaging"

  prefix      = local.prefix
  topics      = local.topology.topics
  queues      = local.topology.queues
  kms_key_arn = module.kms.messaging_key_arn
  alarm_email = var.alarm_email
  # Only the state machine sends saga step commands; a command queue a service
  # sends to (ordering-checkouts: PlaceOrder) takes messages from that
  # service's two task roles alone.
  command_senders = merge(
    { for name in local.saga_queues : name => [module.workflow.role_arn] },
    { for queue, senders in local.senders_of_queue : queue => flatten([for name in senders : values(module.service[name].task_role_arns)]) },
  )
  # A service's events are published by its worker (the outbox relays run
  # there); each topic takes them from that one role.
  topic_publishers = { for topic in local.topology.topics : topic.name => [module.service[topic.publisher].task_role_arns.worker] }
}

module "workflow" {
  source = "./modules/workflow"

  prefix                = local.prefix
  name                  = local.saga.name
  definition_file       = local.saga_definition
  queues                = { for name in local.saga_queues : name => module.messaging.queue[name] }
  step_timeout_seconds  = var.saga_step_timeout_seconds
  messaging_kms_key_arn = module.kms.messaging_key_arn
  log_kms_key_arn       = module.kms.data_key_arn
  log_retention_days    = var.log_retention_days
  alarm_topic_arn       = module.messaging.alarm_topic_arn

  # The signing key is a secret like the database's: under the data key.
  secret_kms_key_arn            = module.kms.data_key_arn
  saga_key                      = var.saga_key
  saga_key_version              = var.saga_key_version
  saga_key_recovery_window_days = var.deletion_protection ? 30 : 0
}

module "alb" {
  source = "./modules/alb"

  prefix              = local.prefix
  vpc_id              = module.network.vpc_id
  subnet_ids          = module.network.private_subnet_ids
  services            = { for name, service in local.services : name => { api_path = service.api_path } }
  deletion_protection = var.deletion_protection
  alarm_topic_arn     = module.messaging.alarm_topic_arn
}

module "api" {
  source = "./modules/api"

  prefix                 = local.prefix
  vpc_id                 = module.network.vpc_id
  subnet_ids             = module.network.private_subnet_ids
  services               = { for name, service in local.services : name => { api_path = service.api_path } }
  alb_listener_arn       = module.alb.listener_arn
  alb_security_group_id  = module.alb.security_group_id
  jwt_issuer             = module.cognito.issuer
  jwt_audience           = [module.cognito.client_id]
  public_routes          = ["GET /catalog/products", "GET /catalog/products/{proxy+}"]
  cors_allowed_origins   = var.cors_allowed_origins
  throttling_rate_limit  = var.api_throttling_rate_limit
  throttling_burst_limit = var.api_throttling_burst_limit
  log_retention_days     = var.log_retention_days
  log_kms_key_arn        = module.kms.data_key_arn
  alarm_topic_arn        = module.messaging.alarm_topic_arn
}

# The release step that runs before the services roll: each schema's
# migrations as a one-off task (README.md, "Deploy", step 3). The deploy
# applies this module alone first, runs its tasks, then applies the rest.
module "migrations" {
  source = "./modules/migrations"

  prefix     = local.prefix
  region     = var.region
  account_id = local.account_id
  schemas    = local.schema_roles
  cluster    = { arn = module.ecs_cluster.arn, name = module.ecs_cluster.name }
  image = {
    repository_arn = module.ecr.repository["shop/migrations"].arn
    repository_url = module.ecr.repository["shop/migrations"].url
    tag            = var.image_tag
  }
  vpc_id     = module.network.vpc_id
  subnet_ids = module.network.private_subnet_ids

  database = {
    host                = module.aurora.endpoint
    port                = module.aurora.port
    name                = module.aurora.database_name
    cluster_resource_id = module.aurora.cluster_resource_id
    security_group_id   = module.aurora.security_group_id
    master_user         = module.aurora.master_username
    master_secret_arn   = module.aurora.master_secret_arn
  }

  data_kms_key_arn   = module.kms.data_key_arn
  log_retention_days = var.log_retention_days
  log_kms_key_arn    = module.kms.data_key_arn

  # A migration task can run once the database's writer, the NAT routes and
  # endpoints and the cluster's capacity providers are in place.
  depends_on = [module.aurora, module.network, module.ecs_cluster]
}

module "ecs_cluster" {
  source = "./modules/ecs_cluster"

  prefix             = local.prefix
  container_insights = var.container_insights
}

module "service" {
  source   = "./modules/ecs_service"
  for_each = local.services

  name       = each.key
  prefix     = local.prefix
  region     = var.region
  account_id = local.account_id

  cluster    = { arn = module.ecs_cluster.arn, name = module.ecs_cluster.name, container_insights = var.container_insights }
  image      = { repository_arn = module.ecr.repository["shop/${each.key}"].arn, repository_url = module.ecr.repository["shop/${each.key}"].url, tag = var.image_tag }
  vpc_id     = module.network.vpc_id
  subnet_ids = module.network.private_subnet_ids

  # The load balancer lives in the private subnets; the API trusts the
  # forwarded headers of a request from there alone.
  forwarded_allow_ips = module.network.private_subnet_cidrs

  load_balancer = {
    security_group_id       = module.alb.security_group_id
    arn_suffix              = module.alb.arn_suffix
    target_group_arn        = module.alb.target_groups[each.key].arn
    target_group_arn_suffix = module.alb.target_groups[each.key].arn_suffix
  }

  auth = {
    issuer    = module.cognito.issuer
    jwks_url  = "${module.cognito.issuer}/.well-known/jwks.json"
    client_id = module.cognito.client_id
  }
  log_level = var.log_level

  # SHOP_ENVIRONMENT lets a service refuse what must not run in production:
  # the payment simulator starts in prod only when allowed explicitly.
  extra_environment = merge(
    { SHOP_ENVIRONMENT = var.environment },
    each.key == "payment" ? {
      PAYMENT_PROVIDER          = var.payment_provider
      PAYMENT_SIMULATOR_ALLOWED = tostring(var.allow_payment_simulator)
    } : {},
  )

  tracing = var.trace_sample_ratio == 0 ? null : {
    collector_image = var.otel_collector_image
    sample_ratio    = var.trace_sample_ratio
  }

  # The service signs in as its own role, named after its schema.
  database = local.schema_of[each.key] == null ? null : {
    host                = module.aurora.endpoint
    port                = module.aurora.port
    name                = module.aurora.database_name
    user                = local.schema_of[each.key]
    schema              = local.schema_of[each.key]
    cluster_resource_id = module.aurora.cluster_resource_id
    security_group_id   = module.aurora.security_group_id
  }

  tables           = { for name in local.tables_of[each.key] : name => module.dynamodb.table[name] }
  events_topic_arn = local.topic_of[each.key] == null ? null : module.messaging.topic[local.topic_of[each.key]].arn
  consumed_queues  = { for name in local.queues_of[each.key] : name => module.messaging.queue[name] }
  sent_queues      = { for name in each.value.sends_to : name => module.messaging.queue[name] }
  service_urls     = { for name in each.value.calls : name => "http://${module.alb.dns_name}" }

  saga = {
    state_machine_arn = module.workflow.state_machine_arn
    starts_executions = each.value.starts_saga
    runs_steps        = local.runs_saga_steps[each.key]
    key_arn           = module.workflow.saga_key_arn
    key_version_id    = module.workflow.saga_key.version_id
  }

  data_kms_key_arn      = module.kms.data_key_arn
  messaging_kms_key_arn = module.kms.messaging_key_arn
  log_retention_days    = var.log_retention_days
  log_kms_key_arn       = module.kms.data_key_arn

  api = {
    cpu                 = var.api_task_size.cpu
    memory              = var.api_task_size.memory
    min_tasks           = var.api_min_tasks
    max_tasks           = var.api_max_tasks
    requests_per_target = var.api_requests_per_target
  }

  worker = {
    cpu              = var.worker_task_size.cpu
    memory           = var.worker_task_size.memory
    max_tasks        = var.worker_max_tasks
    backlog_per_task = var.worker_backlog_per_task
    scales_to_zero   = each.value.worker_scales_to_zero
  }

  fargate_spot          = var.fargate_spot
  fargate_base_tasks    = var.fargate_base_tasks
  office_hours          = var.office_hours
  wait_for_steady_state = var.ecs_wait_for_steady_state
  alarm_topic_arn       = module.messaging.alarm_topic_arn

  # Tasks start only once what they reach exists: the database writer, the
  # NAT routes and endpoints, the listener rules and the cluster's capacity
  # providers. Without this, ECS starts tasks that fail and the circuit
  # breaker rolls back a first deploy that has nothing to roll back to.
  depends_on = [module.aurora, module.network, module.alb, module.ecs_cluster]
}
