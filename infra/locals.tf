locals {
  prefix     = "shop-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id

  # The one declaration of topics, queues, subscriptions, tables and schemas,
  # shared with the local bootstrap so that the laptop and AWS cannot drift.
  topology = jsondecode(file("${path.module}/topology.json"))

  # What the topology does not say about each service: where its API is
  # mounted, which services it calls over HTTP (through the internal load
  # balancer), which command queues it sends to, and whether its worker may
  # scale to zero. Only the notification worker may: every other worker also
  # relays its outbox or runs saga steps, and would stall them while asleep.
  services = {
    catalog      = { api_path = "/catalog", calls = [], sends_to = [], starts_saga = false, worker_scales_to_zero = false }
    basket       = { api_path = "/basket", calls = ["catalog"], sends_to = ["ordering-checkouts"], starts_saga = false, worker_scales_to_zero = false }
    ordering     = { api_path = "/orders", calls = [], sends_to = [], starts_saga = true, worker_scales_to_zero = false }
    inventory    = { api_path = "/inventory", calls = [], sends_to = [], starts_saga = false, worker_scales_to_zero = false }
    payment      = { api_path = "/payments", calls = [], sends_to = [], starts_saga = false, worker_scales_to_zero = false }
    notification = { api_path = "/notifications", calls = [], sends_to = [], starts_saga = false, worker_scales_to_zero = true }
  }

  # Per command queue a service sends to, the services that send to it.
  senders_of_queue = { for queue in distinct(flatten([for service in values(local.services) : service.sends_to])) : queue => [for name, service in local.services : name if contains(service.sends_to, queue)] }

  # Per service, what the topology gives it.
  topic_of  = { for name in keys(local.services) : name => one([for topic in local.topology.topics : topic.name if topic.publisher == name]) }
  queues_of = { for name in keys(local.services) : name => [for queue in local.topology.queues : queue.name if queue.consumer == name] }
  tables_of = { for name in keys(local.services) : name => [for table in local.topology.tables : table.name if table.owner == name] }
  schema_of = { for name in keys(local.services) : name => one([for schema in local.topology.schemas : schema.name if schema.owner == name]) }

  # Per schema, its two database roles: the service's own, named after the
  # schema, which reads and writes its tables; and the owner, which runs its
  # migrations (README.md, "Migrations").
  schema_roles = { for schema in local.topology.schemas : schema.name => { service_role = schema.name, owner_role = "${schema.name}_owner" } }

  # The order saga: its definition names the queues it sends commands to as
  # ${<queue>_queue_url} placeholders, so its role is derived from the file.
  saga            = one(local.topology.state_machines)
  saga_definition = "${path.module}/${local.saga.definition}"
  saga_queues     = distinct([for match in regexall("\\$\\{([a-z0-9_]+)_queue_url\\}", file(local.saga_definition)) : replace(match[0], "_", "-")])

  # A service runs saga steps when it consumes a queue the saga sends to.
  runs_saga_steps = { for name in keys(local.services) : name => length(setintersection(local.queues_of[name], local.saga_queues)) > 0 }

  image_repositories = concat([for name in keys(local.services) : "shop/${name}"], ["shop/migrations"])
}
