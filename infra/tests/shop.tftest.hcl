# A mock apply of the whole configuration, run once per environment:
#
#   terraform test -var-file=env/dev.tfvars
#   terraform test -var-file=env/prod.tfvars
#
# (tests/infra/test_terraform.py runs both.) The assertions are the wiring a
# first deploy depends on; `var.environment` tells them which tfvars they got.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  image_tag = "0123456789ab"
  # A stand-in, shaped like a real key; the mock writes nothing.
  saga_key = "TestOnlyNotASecretTestOnlyNotASecretTestOnlyNotASecret0123456789"
  # Distinct per service, so that a step given another service's timeout shows.
  saga_step_timeout_seconds = { inventory = 121, payment = 301, ordering = 122 }

  # The contract, written out independently of the configuration.
  public_routes = ["GET /catalog/products", "GET /catalog/products/{proxy+}"]
  saga_runners  = ["inventory", "ordering", "payment"]
  table_owners  = { basket = "baskets", payment = "payments", notification = "notifications" }
  schema_owners = ["catalog", "inventory", "ordering"]
  consumes = {
    catalog      = []
    basket       = ["basket-events"]
    ordering     = ["ordering-checkouts", "ordering-commands", "ordering-events"]
    inventory    = ["inventory-commands", "inventory-events"]
    payment      = ["payment-commands"]
    notification = ["notification-events"]
  }
  saga_queues = ["inventory-commands", "payment-commands", "ordering-commands"]
  subscribed_topics = {
    "basket-events"       = ["catalog-events", "ordering-events"]
    "inventory-events"    = ["catalog-events", "ordering-events"]
    "notification-events" = ["ordering-events", "payment-events"]
    "ordering-events"     = ["inventory-events", "payment-events"]
  }
  # The workers given the saga's signing key: ordering signs, all three check.
  saga_key_readers = ["inventory", "ordering", "payment"]
  # The collector, from ECR Public, by digest: nothing is pulled from a
  # registry that limits anonymous pulls, and what runs is what was tested.
  expected_collector_image = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3@sha256:8aa9ea5f67b8d318f7d6af24677e3c70f7098bc0631147cb5fa91addbe980b06"
  # Each topic's one publisher: the worker of the service that owns it (its
  # outbox relay), by the role ARN the mocks give it.
  topic_publishers = {
    "catalog-events"   = "arn:aws:iam::111122223333:role/catalog-worker-task"
    "ordering-events"  = "arn:aws:iam::111122223333:role/ordering-worker-task"
    "inventory-events" = "arn:aws:iam::111122223333:role/inventory-worker-task"
    "payment-events"   = "arn:aws:iam::111122223333:role/payment-worker-task"
  }
  # The private subnets of vpc_cidr 10.40.0.0/16 (slots 4-7 of /20), where the
  # load balancer lives: the only senders whose forwarded headers count.
  load_balancer_subnets = {
    dev  = "10.40.64.0/20,10.40.80.0/20"
    prod = "10.40.64.0/20,10.40.80.0/20,10.40.96.0/20"
  }
}

# The first deploy, as README.md gives it: the registries alone first (so
# the images can be pushed), then one apply of everything on the same state.
run "registries_first" {
  command = apply

  plan_options {
    target = [module.ecr]
  }

  assert {
    condition     = toset(keys(module.ecr.repository)) == toset(["shop/catalog", "shop/basket", "shop/ordering", "shop/inventory", "shop/payment", "shop/notification", "shop/migrations"])
    error_message = "Step 1 creates a repository per service and one for the migrations."
  }

  assert {
    condition = output.ecr_repositories == {
      "shop/catalog"      = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/catalog"
      "shop/basket"       = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/basket"
      "shop/ordering"     = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/ordering"
      "shop/inventory"    = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/inventory"
      "shop/payment"      = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/payment"
      "shop/notification" = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/notification"
      "shop/migrations"   = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/migrations"
    }
    error_message = "Step 2 reads where to push each image from the ecr_repositories output: each name its own repository's URL."
  }
}

# Step 3: the release's migration tasks, registered (and run by the deploy)
# before anything else of the release is applied: the database, the network
# and the cluster they need come with them; no service rolls yet.
run "migrations_first" {
  command = apply

  plan_options {
    target = [module.migrations]
  }

  assert {
    condition     = output.migrations.task_definitions == { for schema in var.schema_owners : schema => "shop-${var.environment}-migrate-${schema}:1" }
    error_message = "The targeted apply registers a migration task per schema and tells the deploy which to run."
  }

  assert {
    condition     = output.migrations.cluster == "shop-${var.environment}" && length(output.migrations.subnets) == length(var.availability_zones) && length(output.migrations.security_groups) == 1
    error_message = "The migration tasks run in the shop's cluster, in a private subnet of every zone, with their own security group."
  }
}

run "apply" {
  command = apply

  # --- API Gateway: who may call what ------------------------------------

  assert {
    condition = alltrue([
      for key in var.public_routes : module.api.route_authorization[key].type == "NONE"
    ])
    error_message = "The catalog's product reads must be public."
  }

  assert {
    condition = alltrue([
      for key, route in module.api.route_authorization :
      route.type == "JWT" && route.authorizer_id == module.api.authorizer.id && route.scopes == toset(["aws.cognito.signin.user.admin"])
      if !contains(var.public_routes, key)
    ])
    error_message = "Every other route must require an access token (JWT with the access-token scope)."
  }

  assert {
    condition     = length(module.api.route_authorization) == 6 * 5 * 2 + 2
    error_message = "Expected a prefix and a {proxy+} route per service and method, plus the public reads."
  }

  assert {
    condition = (
      module.api.authorizer.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Mock12345" &&
      module.api.authorizer.audience == toset(["mockappclient0123456789abcd"])
    )
    error_message = "The authorizer checks the user pool's issuer, https://cognito-idp.<region>.amazonaws.com/<pool id>, and the app client."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        for process, definition in service.task_definitions : [
          contains(definition.containers[0].environment, { name = "AUTH_ISSUER", value = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Mock12345" }),
          contains(definition.containers[0].environment, { name = "AUTH_JWKS_URL", value = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Mock12345/.well-known/jwks.json" }),
          contains(definition.containers[0].environment, { name = "AUTH_CLIENT_ID", value = "mockappclient0123456789abcd" }),
        ]
      ]
    ]))
    error_message = "Every process verifies tokens against the pool's issuer, its JWKS under that issuer, and the app client."
  }

  assert {
    condition = module.api.integration_request_parameters == tomap({
      "remove:header.traceparent"     = "''"
      "remove:header.tracestate"      = "''"
      "remove:header.baggage"         = "''"
      "overwrite:header.x-request-id" = "$context.requestId"
    })
    error_message = "The gateway drops inbound trace context (traceparent, tracestate, baggage), sets the request id to its own, and changes nothing else on the way (no path, no other header)."
  }

  assert {
    condition     = contains(module.api.cors.allow_headers, "if-match") && contains(module.api.cors.expose_headers, "etag")
    error_message = "A browser must be able to send If-Match and read ETag."
  }

  # --- Task roles: each process may do what it calls, nothing more -------

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        for process, policy in service.task_policies :
        toset([for statement in policy.Statement : statement.Sid]) == toset(concat(
          ["UseMessagingKeyThroughMessagingServices"],
          contains(keys(var.table_owners), name) ? ["UseOwnTables", "UseDataKeyThroughDynamoDb"] : [],
          process == "worker" && contains(["catalog", "ordering", "inventory", "payment"], name) ? ["PublishOwnEvents"] : [],
          name == "basket" ? ["SendCommands"] : [],
          contains(var.schema_owners, name) ? ["ConnectAsOwnDatabaseRole"] : [],
          process == "worker" && length(var.consumes[name]) > 0 ? ["ConsumeOwnQueues"] : [],
          process == "worker" && name == "ordering" ? ["StartSaga"] : [],
          process == "worker" && contains(var.saga_runners, name) ? ["AnswerSagaSteps"] : [],
          var.trace_sample_ratio > 0 ? ["SendTraces", "SendMetrics"] : [],
        ))
      ]
    ]))
    error_message = "Each process's task role holds exactly the statements for what it does."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        for statement in service.task_policies.api.Statement : [
          for action in flatten([statement.Action]) :
          !startswith(action, "states:") && !contains(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"], action)
        ]
      ]
    ]))
    error_message = "No API may touch the state machine or receive and delete queue messages."
  }

  assert {
    condition = alltrue([
      for name, service in module.service :
      contains(var.saga_runners, name) == anytrue([
        for statement in service.task_policies.worker.Statement : contains(flatten([statement.Action]), "states:SendTaskSuccess")
      ])
    ])
    error_message = "Exactly the saga participants' workers answer saga tasks."
  }

  assert {
    condition = alltrue([
      for name, service in module.service :
      toset(flatten([for statement in service.task_policies.worker.Statement : statement.Resource if statement.Sid == "ConsumeOwnQueues"])) ==
      toset([for queue in var.consumes[name] : module.messaging.queue[queue].arn])
    ])
    error_message = "Each worker consumes exactly its own queues."
  }

  assert {
    condition = [
      for statement in module.service["ordering"].task_policies.worker.Statement : statement.Resource
      if statement.Sid == "StartSaga"
    ] == [[module.workflow.state_machine_arn]]
    error_message = "The ordering worker starts executions of the saga, and only it."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        for process, policy in service.task_policies : [
          for statement in policy.Statement : !contains(flatten([statement.Action]), "states:GetExecutionHistory")
        ]
      ]
    ]))
    error_message = "No process reads execution history: the timeline is the shop's own data."
  }

  assert {
    condition = alltrue(flatten([
      for process in ["api", "worker"] : [
        for statement in module.service["basket"].task_policies[process].Statement :
        statement.Resource == [module.messaging.queue["ordering-checkouts"].arn] if statement.Sid == "SendCommands"
      ]
    ]))
    error_message = "The basket sends PlaceOrder to ordering-checkouts only, never to a saga command queue."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        for process, policy in service.task_policies : [
          for statement in policy.Statement : (
            statement.Sid == "PublishOwnEvents" ? statement.Action == ["sns:Publish"] && statement.Resource == [module.messaging.topic["${name}-events"].arn] :
            statement.Sid == "UseMessagingKeyThroughMessagingServices" ? statement.Resource == [module.kms.messaging_key_arn] :
            statement.Sid == "AnswerSagaSteps" ? toset(statement.Action) == toset(["states:SendTaskSuccess", "states:SendTaskFailure"]) :
            true
          )
        ]
      ]
    ]))
    error_message = "A process publishes to its own service's topic only, uses the messaging key only, and answers saga tasks with nothing more than the three callbacks."
  }

  # --- Topics: each takes events from its service's worker alone ---------

  assert {
    condition = toset(keys(module.messaging.topic_policy)) == toset(keys(var.topic_publishers)) && alltrue([
      for topic, publisher in var.topic_publishers :
      module.messaging.topic_policy[topic].Statement == [
        {
          Sid       = "DenyInsecureTransport"
          Effect    = "Deny"
          Principal = "*"
          Action    = "sns:Publish"
          Resource  = "arn:aws:sns:eu-west-1:111122223333:${topic}"
          Condition = { Bool = { "aws:SecureTransport" = "false" } }
        },
        {
          Sid       = "OnlyItsPublishersPublish"
          Effect    = "Deny"
          Principal = "*"
          Action    = "sns:Publish"
          Resource  = "arn:aws:sns:eu-west-1:111122223333:${topic}"
          Condition = { ArnNotEquals = { "aws:PrincipalArn" = [publisher] } }
        },
      ]
    ])
    error_message = "Each topic refuses sns:Publish to every principal but its own service's worker role (the outbox relay's), and over unencrypted transport."
  }

  # --- Forwarded headers: believed from the load balancer alone ------------

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        contains(service.task_definitions.api.containers[0].environment, { name = "FORWARDED_ALLOW_IPS", value = var.load_balancer_subnets[var.environment] }),
        length([for variable in service.task_definitions.api.containers[0].environment : variable if variable.name == "FORWARDED_ALLOW_IPS"]) == 1,
        !contains([for variable in service.task_definitions.worker.containers[0].environment : variable.name], "FORWARDED_ALLOW_IPS"),
      ]
    ]))
    error_message = "Every API believes X-Forwarded-For from the load balancer's subnets alone (FORWARDED_ALLOW_IPS); a worker serves no HTTP."
  }

  assert {
    condition     = module.alb.forwarding.xff_header_processing_mode == "remove" && module.alb.forwarding.subnet_ids == toset(module.network.private_subnet_ids)
    error_message = "The load balancer, in the private subnets the APIs trust, removes X-Forwarded-For: a client's list, which API Gateway passes on, never reaches a service."
  }

  # --- Every statement of every service role, resource by resource --------

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        for process, policy in service.task_policies : [
          for statement in policy.Statement : tolist(statement.Resource) == tolist(lookup({
            UseOwnTables                            = contains(keys(var.table_owners), name) ? ["arn:aws:dynamodb:eu-west-1:111122223333:table/${var.table_owners[name]}", "arn:aws:dynamodb:eu-west-1:111122223333:table/${var.table_owners[name]}/index/*"] : []
            UseDataKeyThroughDynamoDb               = ["arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-000000000001"]
            PublishOwnEvents                        = ["arn:aws:sns:eu-west-1:111122223333:${name}-events"]
            SendCommands                            = ["arn:aws:sqs:eu-west-1:111122223333:ordering-checkouts"]
            ConnectAsOwnDatabaseRole                = ["arn:aws:rds-db:eu-west-1:111122223333:dbuser:cluster-MOCKRESOURCEID/${name}"]
            SendTraces                              = ["*"]
            SendMetrics                             = ["arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/${name}/metrics", "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/${name}/metrics:*"]
            UseMessagingKeyThroughMessagingServices = ["arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-00000000000m"]
            ConsumeOwnQueues                        = [for queue in var.consumes[name] : "arn:aws:sqs:eu-west-1:111122223333:${queue}"]
            StartSaga                               = ["arn:aws:states:eu-west-1:111122223333:stateMachine:mock"]
            AnswerSagaSteps                         = ["*"]
          }, statement.Sid, ["no statement ${statement.Sid} was expected"]))
        ]
      ]
    ]))
    error_message = "Each statement of each task role names exactly its resources: the service's own tables, topic, queues, database user, metrics log group, the two keys, the checkout queue (basket), the saga (ordering's worker); nothing more."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        for process, execution in service.execution_policies : [
          for statement in execution.policy.Statement : tolist(statement.Resource) == tolist(lookup({
            AuthenticateToEcr = ["*"]
            PullOwnImages     = ["arn:aws:ecr:eu-west-1:111122223333:repository/shop/${name}"]
            WriteOwnLogs      = ["arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/${name}:*"]
            ReadSecrets       = ["arn:aws:secretsmanager:eu-west-1:111122223333:secret:saga-key-AbCdEf"]
            DecryptSecrets    = ["arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-000000000001"]
          }, statement.Sid, ["no statement ${statement.Sid} was expected"]))
        ]
      ]
    ]))
    error_message = "Each statement of each execution role names exactly its resources: the service's own image and log group, the saga key (its workers that use it); nothing more."
  }

  # --- Trust and key policies: AWS services act for this account only ------

  assert {
    condition = alltrue(flatten([
      for document in concat(
        flatten([for name, service in module.service : values(service.role_trusts)]),
        values(module.migrations.role_trusts),
        [module.aurora.monitoring_trust, module.network.flow_logs_trust, module.workflow.role_trust],
        values(module.kms.key_policies),
        ) : [
        for statement in document.Statement :
        try(statement.Condition.StringEquals["aws:SourceAccount"], null) == "111122223333" ||
        try(statement.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"], null) == "arn:aws:logs:eu-west-1:111122223333:log-group:*"
        if can(statement.Principal.Service)
      ]
    ]))
    error_message = "Every trust policy and key policy statement that lets an AWS service act names this account (aws:SourceAccount; CloudWatch Logs by its log groups' ARNs in the encryption context)."
  }

  assert {
    condition = length(flatten([
      for document in concat(
        flatten([for name, service in module.service : values(service.role_trusts)]),
        values(module.migrations.role_trusts),
        [module.aurora.monitoring_trust, module.network.flow_logs_trust, module.workflow.role_trust],
        values(module.kms.key_policies),
      ) : [for statement in document.Statement : statement if can(statement.Principal.Service)]
    ])) == 24 + 4 + 3 + 4
    error_message = "The trust and key policies above are all there are: 24 service roles, 4 migration roles, the monitoring, flow-log and state machine roles, and 4 service statements in the two key policies."
  }

  # --- Queues: each admits its rightful senders, and no one else ----------

  assert {
    condition = toset(keys(module.messaging.queue_policy)) == toset(concat(keys(var.subscribed_topics), var.saga_queues, ["ordering-checkouts"])) && alltrue([
      for queue, policy in module.messaging.queue_policy :
      toset([for statement in policy.Statement : statement.Sid]) == toset(contains(keys(var.subscribed_topics), queue) ?
        ["DenyInsecureTransport", "OnlyItsTopicsSend", "AllowSubscribedTopics"] :
        ["DenyInsecureTransport", "OnlyItsSendersSend"]
      )
    ])
    error_message = "Every queue refuses unencrypted transport, and every sender but its own: an event queue its topics' deliveries (which it allows), a command queue its senders' roles."
  }

  assert {
    condition = alltrue([
      for queue in var.saga_queues : [
        for statement in module.messaging.queue_policy[queue].Statement :
        [statement.Effect, statement.Principal, statement.Action, statement.Resource, statement.Condition] if statement.Sid == "OnlyItsSendersSend"
        ] == [[
          "Deny", "*", "sqs:SendMessage", module.messaging.queue[queue].arn, { ArnNotEquals = { "aws:PrincipalArn" = [module.workflow.role_arn] } }
      ]]
    ])
    error_message = "Only the state machine's role may send to the saga's command queues."
  }

  assert {
    condition = [
      for statement in module.messaging.queue_policy["ordering-checkouts"].Statement :
      [statement.Effect, statement.Principal, statement.Action, statement.Resource, statement.Condition] if statement.Sid == "OnlyItsSendersSend"
      ] == [[
        "Deny", "*", "sqs:SendMessage", module.messaging.queue["ordering-checkouts"].arn,
        { ArnNotEquals = { "aws:PrincipalArn" = [module.service["basket"].task_role_arns.api, module.service["basket"].task_role_arns.worker] } }
    ]]
    error_message = "Only the basket's API and worker roles may send PlaceOrder to ordering-checkouts."
  }

  assert {
    condition = alltrue(flatten([
      for queue, topics in var.subscribed_topics : [
        [
          for statement in module.messaging.queue_policy[queue].Statement :
          [statement.Effect, statement.Principal, statement.Action, statement.Resource, keys(statement.Condition), try(keys(statement.Condition.ArnNotEquals), null)]
          if statement.Sid == "OnlyItsTopicsSend"
        ] == [["Deny", "*", "sqs:SendMessage", module.messaging.queue[queue].arn, ["ArnNotEquals"], ["aws:SourceArn"]]],
        [
          for statement in module.messaging.queue_policy[queue].Statement :
          try(toset(statement.Condition.ArnNotEquals["aws:SourceArn"]), null) == toset([for topic in topics : module.messaging.topic[topic].arn])
          if statement.Sid == "OnlyItsTopicsSend"
        ],
      ]
    ]))
    error_message = "An event queue denies every sender but SNS delivering for exactly the topics it subscribes to (a principal of the account sending directly included)."
  }

  assert {
    condition = alltrue(flatten([
      for queue, topics in var.subscribed_topics : [
        for statement in module.messaging.queue_policy[queue].Statement : [
          [statement.Effect, statement.Principal, statement.Action, statement.Resource, keys(statement.Condition)] == ["Allow", { Service = "sns.amazonaws.com" }, "sqs:SendMessage", module.messaging.queue[queue].arn, ["ArnEquals"]],
          try(toset(statement.Condition.ArnEquals["aws:SourceArn"]), null) == toset([for topic in topics : module.messaging.topic[topic].arn]),
        ] if statement.Sid == "AllowSubscribedTopics"
      ]
    ]))
    error_message = "An event queue allows SNS to deliver for exactly the topics it subscribes to."
  }

  assert {
    condition = length(module.messaging.dead_letter_queue_policy) == 8 && alltrue([
      for queue, policy in module.messaging.dead_letter_queue_policy :
      toset([for statement in policy.Statement : statement.Sid]) == toset(["DenyInsecureTransport", "NoPrincipalSends"]) && [
        for statement in policy.Statement : [statement.Effect, statement.Principal, statement.Action, statement.Resource, statement.Condition]
        if statement.Sid == "NoPrincipalSends"
      ] == [["Deny", "*", "sqs:SendMessage", module.messaging.dead_letter_queue[queue].arn, { BoolIfExists = { "aws:PrincipalIsAWSService" = "false" } }]]
    ])
    error_message = "No principal sends to a dead-letter queue: only SQS moves messages into it."
  }

  assert {
    condition = length(module.messaging.dead_letter_sources) == 8 && alltrue([
      for queue, policy in module.messaging.dead_letter_sources :
      policy == { redrivePermission = "byQueue", sourceQueueArns = [module.messaging.queue[queue].arn] }
    ])
    error_message = "A dead-letter queue takes the messages of its own source queue only."
  }

  # --- The saga's signing key: three workers read it, nothing else ---------

  assert {
    condition = (
      module.workflow.saga_key.name == "shop-${var.environment}-saga-key" &&
      module.workflow.saga_key.kms_key_id == module.kms.data_key_arn &&
      module.workflow.saga_key.secret_id == module.workflow.saga_key_arn &&
      module.workflow.saga_key.version == var.saga_key_version &&
      module.workflow.saga_key.value_in_state == false &&
      module.workflow.saga_key.recovery_window_in_days == (var.environment == "dev" ? 0 : 30)
    )
    error_message = "The signing key is a secret under the data key, its value written only through the write-only argument (none in the state); dev can destroy and recreate it at once, prod keeps a deleted key 30 days."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        for process, definition in service.task_definitions : [
          for index, container in definition.containers : [
            join(",", [for secret in try(container.secrets, []) : secret.name]) == (index == 0 && process == "worker" && contains(var.saga_key_readers, name) ? "SAGA_KEY" : ""),
            !contains([for variable in container.environment : variable.name], "SAGA_KEY"),
          ]
        ]
      ]
    ]))
    error_message = "SAGA_KEY is a secret of the ordering, inventory and payment workers' own containers and of no other container (never a plain variable); no service's container has any other secret."
  }

  assert {
    condition = alltrue([
      for name in var.saga_key_readers :
      [for secret in module.service[name].task_definitions.worker.containers[0].secrets : secret.valueFrom] == ["${module.workflow.saga_key_arn}:::${module.workflow.saga_key.version_id}"]
    ])
    error_message = "SAGA_KEY is read from the signing key's secret, at the version the apply wrote."
  }

  assert {
    condition = toset(flatten([
      for name, service in module.service : concat(
        [
          for process, execution in service.execution_policies : execution.role_arn if anytrue([
            for statement in execution.policy.Statement :
            statement.Effect == "Allow" &&
            length(setintersection(flatten([statement.Action]), ["secretsmanager:GetSecretValue", "secretsmanager:*", "*"])) > 0 &&
            length(setintersection(flatten([statement.Resource]), [module.workflow.saga_key_arn, "*"])) > 0
          ])
        ],
        [
          for process, policy in service.task_policies : service.task_definitions[process].task_role_arn if anytrue([
            for statement in policy.Statement :
            length(setintersection(flatten([statement.Action]), ["secretsmanager:GetSecretValue", "secretsmanager:*", "*"])) > 0
          ])
        ],
      )
      ])) == toset([
      "arn:aws:iam::111122223333:role/inventory-worker-execution",
      "arn:aws:iam::111122223333:role/ordering-worker-execution",
      "arn:aws:iam::111122223333:role/payment-worker-execution",
    ])
    error_message = "Exactly the ordering, inventory and payment workers' execution roles may read the signing key; no task role reads a secret."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        service.task_definitions.api.execution_role_arn == service.execution_policies.api.role_arn,
        service.task_definitions.worker.execution_role_arn == service.execution_policies.worker.role_arn,
        service.execution_policies.api.role_arn != service.execution_policies.worker.role_arn,
        [
          for process, execution in service.execution_policies :
          toset([for statement in execution.policy.Statement : statement.Sid]) == toset(concat(
            ["AuthenticateToEcr", "PullOwnImages", "WriteOwnLogs"],
            process == "worker" && contains(var.saga_key_readers, name) ? ["ReadSecrets"] : [],
            process == "worker" && contains(var.saga_key_readers, name) ? ["DecryptSecrets"] : [],
          ))
        ],
        [
          for process, execution in service.execution_policies : [
            for statement in execution.policy.Statement : (
              statement.Sid == "ReadSecrets" ? statement.Action == ["secretsmanager:GetSecretValue"] && statement.Resource == [module.workflow.saga_key_arn] :
              statement.Sid == "DecryptSecrets" ? statement.Action == ["kms:Decrypt"] && statement.Resource == [module.kms.data_key_arn] && statement.Condition == { StringEquals = { "kms:ViaService" = "secretsmanager.eu-west-1.amazonaws.com" } } :
              true
            )
          ]
        ],
      ]
    ]))
    error_message = "Each process starts with its own execution role, which holds exactly what its task needs: the saga key's worker readers GetSecretValue on that one secret and kms:Decrypt on the data key through Secrets Manager only."
  }

  # --- The data key: usable by the table owners, through DynamoDB only ----

  assert {
    condition     = alltrue([for name, key in module.dynamodb.encryption_key : key == module.kms.data_key_arn])
    error_message = "The tables are encrypted with the data key."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        for process, policy in service.task_policies :
        contains(keys(var.table_owners), name) == anytrue([
          for statement in policy.Statement :
          statement.Resource == [module.kms.data_key_arn] && statement.Condition.StringEquals["kms:ViaService"] == "dynamodb.eu-west-1.amazonaws.com"
          if statement.Sid == "UseDataKeyThroughDynamoDb"
        ])
      ]
    ]))
    error_message = "Each table owner's processes may use the data key through DynamoDB; no one else may."
  }

  assert {
    condition = alltrue(flatten([
      for name, table in var.table_owners : [
        for process, policy in module.service[name].task_policies : [
          for statement in policy.Statement :
          statement.Resource == [module.dynamodb.table[table].arn, "${module.dynamodb.table[table].arn}/index/*"]
          if statement.Sid == "UseOwnTables"
        ]
      ]
    ]))
    error_message = "A table owner uses its own table only."
  }

  # --- Database: own role, IAM authentication, migrated by the release ----

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        for process, policy in service.task_policies : [
          for statement in policy.Statement : [
            statement.Action == ["rds-db:connect"],
            statement.Resource == ["arn:aws:rds-db:eu-west-1:111122223333:dbuser:cluster-MOCKRESOURCEID/${name}"],
          ] if statement.Sid == "ConnectAsOwnDatabaseRole"
        ]
      ]
    ]))
    error_message = "A service connects to the database as its own role only: exactly dbuser:<cluster resource id>/<schema>, nothing more."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        for process, definition in service.task_definitions : [
          [for container in definition.containers : container.name] == concat([process], var.trace_sample_ratio > 0 ? ["otel-collector"] : []),
          alltrue([for container in definition.containers : !contains(keys(container), "dependsOn")]),
          contains(var.schema_owners, name) == contains(definition.containers[0].environment, { name = "DB_USER", value = name }),
          contains(var.schema_owners, name) == contains(definition.containers[0].environment, { name = "DB_IAM_AUTH", value = "true" }),
          !contains([for variable in definition.containers[0].environment : variable.name], "DB_PASSWORD"),
          !contains([for variable in definition.containers[0].environment : variable.name], "DB_GRANT_TO"),
        ]
      ]
    ]))
    error_message = "No service migrates: its tasks hold its own process (and the collector) and wait on nothing, and a schema owner's processes sign in as its own role, without a password."
  }

  assert {
    condition = toset(keys(module.migrations.task_definitions)) == toset(var.schema_owners) && alltrue(flatten([
      for schema, definition in module.migrations.task_definitions : [
        definition.family == "shop-${var.environment}-migrate-${schema}",
        definition.task_role_arn == "arn:aws:iam::111122223333:role/migrate-${schema}-task",
        definition.execution_role_arn == "arn:aws:iam::111122223333:role/migrations-execution",
        [for container in definition.containers : container.name] == ["roles", "migrate"],
        [for container in definition.containers : container.image] == [
          "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/migrations:0123456789ab",
          "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/migrations:0123456789ab",
        ],
        definition.containers[0].command == ["python", "-m", "migrations.roles", schema, "--owner", "${schema}_owner", "--service", schema],
        definition.containers[0].essential == false,
        definition.containers[0].secrets == [{ name = "DB_PASSWORD", valueFrom = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!cluster-mock-AbCdEf:password::" }],
        contains(definition.containers[0].environment, { name = "DB_USER", value = "shop_admin" }),
        definition.containers[1].command == ["alembic", "-c", "migrations/alembic.ini", "-n", schema, "upgrade", "head"],
        definition.containers[1].essential == true,
        definition.containers[1].dependsOn == [{ containerName = "roles", condition = "SUCCESS" }],
        !contains(keys(definition.containers[1]), "secrets"),
        contains(definition.containers[1].environment, { name = "DB_USER", value = "${schema}_owner" }),
        contains(definition.containers[1].environment, { name = "DB_IAM_AUTH", value = "true" }),
        contains(definition.containers[1].environment, { name = "DB_GRANT_TO", value = schema }),
        !contains([for variable in definition.containers[1].environment : variable.name], "DB_PASSWORD"),
      ]
    ]))
    error_message = "Each schema has its migration task, of the release's migrations image: the roles step alone gets the master password (from the cluster's secret); the migrations run as the schema's owner with an IAM token after it, and grant the service's role its tables."
  }

  assert {
    condition = alltrue([
      for schema, policy in module.migrations.task_policies :
      policy.Statement == [{
        Sid      = "ConnectAsSchemaOwner"
        Effect   = "Allow"
        Action   = ["rds-db:connect"]
        Resource = ["arn:aws:rds-db:eu-west-1:111122223333:dbuser:cluster-MOCKRESOURCEID/${schema}_owner"]
      }]
    ])
    error_message = "A schema's migration task may sign in as that schema's owner, and do nothing else."
  }

  assert {
    condition = module.migrations.execution_policy.policy.Statement == [
      {
        Sid      = "AuthenticateToEcr"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = ["*"]
      },
      {
        Sid      = "PullOwnImages"
        Effect   = "Allow"
        Action   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
        Resource = ["arn:aws:ecr:eu-west-1:111122223333:repository/shop/migrations"]
      },
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/migrations:*"]
      },
      {
        Sid      = "ReadSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = ["arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!cluster-mock-AbCdEf"]
      },
      {
        Sid       = "DecryptSecrets"
        Effect    = "Allow"
        Action    = ["kms:Decrypt"]
        Resource  = ["arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-000000000001"]
        Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.eu-west-1.amazonaws.com" } }
      },
    ]
    error_message = "The migration tasks start with the migrations image, their log group and the master secret (through Secrets Manager), and nothing else."
  }

  assert {
    condition = toset(flatten(concat(
      [
        for name, service in module.service : concat(
          [for process, execution in service.execution_policies : execution.role_arn if anytrue([
            for statement in execution.policy.Statement :
            length(setintersection(flatten([statement.Action]), ["secretsmanager:GetSecretValue", "secretsmanager:*", "*"])) > 0 &&
            length(setintersection(flatten([statement.Resource]), [module.aurora.master_secret_arn, "*"])) > 0
          ])],
          [for process, policy in service.task_policies : service.task_definitions[process].task_role_arn if anytrue([
            for statement in policy.Statement : length(setintersection(flatten([statement.Action]), ["secretsmanager:GetSecretValue", "secretsmanager:*", "*"])) > 0
          ])],
        )
      ],
      [for schema, policy in module.migrations.task_policies : module.migrations.task_definitions[schema].task_role_arn if anytrue([
        for statement in policy.Statement : length(setintersection(flatten([statement.Action]), ["secretsmanager:GetSecretValue", "secretsmanager:*", "*"])) > 0
      ])],
      [for statement in module.migrations.execution_policy.policy.Statement : module.migrations.execution_policy.role_arn if
        length(setintersection(flatten([statement.Action]), ["secretsmanager:GetSecretValue", "secretsmanager:*", "*"])) > 0 &&
        length(setintersection(flatten([statement.Resource]), [module.aurora.master_secret_arn, "*"])) > 0
      ],
    ))) == toset(["arn:aws:iam::111122223333:role/migrations-execution"])
    error_message = "Exactly one role may read the database's master secret: the migration tasks' execution role. No service's role, execution or task, reads it."
  }

  assert {
    condition = (
      module.migrations.security_group_rules.database == module.aurora.security_group_id &&
      module.migrations.security_group_rules.database_from == [module.aurora.security_group_id, module.migrations.security_group_rules.group] &&
      module.migrations.run.security_groups == [module.migrations.security_group_rules.group] &&
      tolist(module.migrations.run.subnets) == tolist(module.network.private_subnet_ids) &&
      module.migrations.run.task_definitions == { for schema in var.schema_owners : schema => "shop-${var.environment}-migrate-${schema}:1" }
    )
    error_message = "The deploy runs each schema's migration task in the private subnets with a group that reaches the database, which admits it."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        length(service.task_definitions.api.containers[0].portMappings) == 1,
        length(service.task_definitions.worker.containers[0].portMappings) == 0,
        service.task_definitions.worker.containers[0].healthCheck == null,
        service.task_definitions.api.containers[0].healthCheck.command == ["CMD", "healthcheck", "http://127.0.0.1:8000/health/live"],
      ]
    ]))
    error_message = "Only the API listens and is health-checked, by the image's own probe."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        for process, definition in service.task_definitions :
        contains([for variable in definition.containers[0].environment : variable.name], "STATE_MACHINE_ARN") == (name == "ordering" && process == "worker")
      ]
    ]))
    error_message = "Only ordering's worker is given the state machine: it starts the executions."
  }

  assert {
    condition     = module.aurora.settings.iam_authentication && module.aurora.settings.auto_minor_version_upgrade == tolist([false])
    error_message = "IAM authentication on; minor versions move only with engine_version."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        contains(service.task_definitions.api.containers[0].environment, { name = "SHOP_ENVIRONMENT", value = var.environment }),
        (name == "payment") == contains(service.task_definitions.worker.containers[0].environment, { name = "PAYMENT_SIMULATOR_ALLOWED", value = tostring(var.allow_payment_simulator) }),
      ]
    ]))
    error_message = "Every service knows its environment; the payment service is told whether the simulator may run."
  }

  # --- Traces: a collector beside every process, sending to X-Ray ----------

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        for process, definition in service.task_definitions : [
          var.trace_sample_ratio == 0 || anytrue([
            for container in definition.containers :
            container.name == "otel-collector" && container.essential == false && container.image == var.expected_collector_image
          ]),
          var.trace_sample_ratio == 0 || contains(definition.containers[0].environment, { name = "OTEL_EXPORTER_OTLP_ENDPOINT", value = "http://127.0.0.1:4318" }),
          var.trace_sample_ratio == 0 || contains(definition.containers[0].environment, { name = "OTEL_TRACES_SAMPLER_ARG", value = tostring(var.trace_sample_ratio) }),
        ]
      ]
    ]))
    error_message = "Every process sends its spans to a collector beside it, sampled as configured."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        for process, policy in service.task_policies : [
          for statement in policy.Statement : statement.Action == ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
          if statement.Sid == "SendTraces"
        ]
      ]
    ]))
    error_message = "A task role may send traces to X-Ray and nothing more of X-Ray."
  }

  # --- Metrics: the same collector sends them to CloudWatch -----------------

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        for process, definition in service.task_definitions : [
          for container in definition.containers : [
            for variable in container.environment : [
              for config in [yamldecode(variable.value)] : [
                config.receivers.otlp.protocols.http.endpoint == "127.0.0.1:4318",
                config.service.pipelines.traces.exporters == ["awsxray"],
                config.service.pipelines.metrics.exporters == ["awsemf"],
                config.exporters.awsemf.log_group_name == service.metrics_log_group.name,
              ]
            ] if variable.name == "SHOP_COLLECTOR_CONFIG"
          ] if container.name == "otel-collector"
        ]
      ]
      ])) && alltrue(flatten([
      for name, service in module.service : [
        for process, definition in service.task_definitions : [
          var.trace_sample_ratio == 0 || contains(definition.containers[0].environment, { name = "OTEL_METRICS_EXPORTER", value = "otlp" }),
          var.trace_sample_ratio == 0 || contains(definition.containers[0].environment, { name = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", value = "delta" }),
          var.trace_sample_ratio == 0 || anytrue([
            for container in definition.containers : container.command == ["--config=env:SHOP_COLLECTOR_CONFIG"] if container.name == "otel-collector"
          ]),
        ]
      ]
    ]))
    error_message = "Every process exports its metrics, as deltas, to the collector beside it, which sends spans to X-Ray and metrics to the service's metrics log group."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        for process, policy in service.task_policies : [
          for statement in policy.Statement : [
            statement.Action == ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            statement.Resource == [service.metrics_log_group.arn, "${service.metrics_log_group.arn}:*"],
          ] if statement.Sid == "SendMetrics"
        ]
      ]
    ]))
    # That every role holds it is the exact-statements assertion's to say.
    error_message = "A task role may write metrics to its own service's metrics log group only."
  }

  # --- The state machine ---------------------------------------------------

  assert {
    condition = {
      for name, state in jsondecode(module.workflow.definition).States : name => state.Parameters.QueueUrl
      if state.Type == "Task"
      } == {
      ReserveStock     = "https://sqs.eu-west-1.amazonaws.com/111122223333/inventory-commands"
      ReleaseStock     = "https://sqs.eu-west-1.amazonaws.com/111122223333/inventory-commands"
      AuthorizePayment = "https://sqs.eu-west-1.amazonaws.com/111122223333/payment-commands"
      CapturePayment   = "https://sqs.eu-west-1.amazonaws.com/111122223333/payment-commands"
      VoidPayment      = "https://sqs.eu-west-1.amazonaws.com/111122223333/payment-commands"
      RefundPayment    = "https://sqs.eu-west-1.amazonaws.com/111122223333/payment-commands"
      ConfirmOrder     = "https://sqs.eu-west-1.amazonaws.com/111122223333/ordering-commands"
      CancelOrder      = "https://sqs.eu-west-1.amazonaws.com/111122223333/ordering-commands"
    }
    error_message = "Each saga step sends its command to the queue of the service that runs it."
  }

  assert {
    condition = alltrue([
      for step, service in {
        ReserveStock     = "inventory"
        ReleaseStock     = "inventory"
        AuthorizePayment = "payment"
        CapturePayment   = "payment"
        VoidPayment      = "payment"
        RefundPayment    = "payment"
        ConfirmOrder     = "ordering"
        CancelOrder      = "ordering"
      } : jsondecode(module.workflow.definition).States[step].TimeoutSeconds == var.saga_step_timeout_seconds[service]
    ])
    error_message = "Each saga step waits as long as the service that runs it is given."
  }

  assert {
    condition     = module.workflow.logging.level == "ERROR" && module.workflow.logging.include_execution_data == false
    error_message = "The saga logs errors only, without execution data (task and payment tokens)."
  }

  # --- Security groups: VPC link -> ALB -> tasks -> database --------------

  assert {
    condition = (
      module.api.alb_ingress_from_vpc_link.security_group_id == module.alb.security_group_id &&
      module.api.alb_ingress_from_vpc_link.source == module.api.vpc_link_security_group_id &&
      module.api.alb_ingress_from_vpc_link.link_egress[0] == module.api.vpc_link_security_group_id &&
      module.api.alb_ingress_from_vpc_link.link_egress[1] == module.alb.security_group_id
    )
    error_message = "The VPC link may reach the ALB, and the ALB admits it."
  }

  assert {
    condition = alltrue([
      for name, service in module.service :
      service.security_group_rules.api_from == module.alb.security_group_id &&
      service.security_group_rules.alb_to_api[0] == module.alb.security_group_id &&
      service.security_group_rules.alb_to_api[1] == service.security_group_rules.tasks_group &&
      length(service.security_group_rules.database) == (contains(var.schema_owners, name) ? 1 : 0) &&
      alltrue([for group in service.security_group_rules.database : group == module.aurora.security_group_id]) &&
      length(service.security_group_rules.database_from) == (contains(var.schema_owners, name) ? 1 : 0) &&
      alltrue([for rule in service.security_group_rules.database_from : rule[0] == module.aurora.security_group_id && rule[1] == service.security_group_rules.tasks_group])
    ])
    error_message = "The ALB may reach each service's tasks, which admit only the ALB; only schema owners may reach the database, which admits them."
  }

  assert {
    condition     = values(module.alb.health_check_paths) == [for name in keys(module.alb.health_check_paths) : "/health/live"] && length(module.alb.health_check_paths) == 6
    error_message = "The load balancer checks each API's liveness, not its database: a database blip must not take every task out of service."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        service.ecs_service_settings.api.wait_for_steady_state == true,
        service.ecs_service_settings.worker.wait_for_steady_state == true,
      ]
    ]))
    error_message = "An apply waits for every ECS service's deployment, and fails when the circuit breaker rolled one back."
  }

  assert {
    condition     = module.alb.idle_timeout == 60
    error_message = "The ALB closes idle connections (60 s) before the services do (keep-alive 65 s)."
  }

  # --- Dev and prod: what differs, and the inputs of the cost tables ------

  assert {
    condition     = length(module.network.private_subnet_ids) == (var.environment == "dev" ? 2 : 3)
    error_message = "Zones: two in dev, three in prod (endpoints are billed per zone)."
  }

  assert {
    condition     = module.network.nat_gateway_count == (var.environment == "dev" ? 1 : 3)
    error_message = "NAT gateways: one in dev, one per zone in prod."
  }

  assert {
    condition     = length(module.network.interface_endpoints) == (var.environment == "dev" ? 0 : 7)
    error_message = "Interface endpoints: none in dev (NAT), seven in prod."
  }

  assert {
    condition = (
      module.aurora.settings.min_capacity == 0 &&
      module.aurora.settings.instance_count == (var.environment == "dev" ? 1 : 2) &&
      module.aurora.settings.max_capacity == (var.environment == "dev" ? 2 : 16) &&
      module.aurora.settings.seconds_until_auto_pause == (var.environment == "dev" ? 300 : 3600)
    )
    error_message = "Aurora: dev 1 instance, 0-2 ACU, pauses after 5 min; prod 2 instances, 0-16 ACU, 1 h."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        service.ecs_service_settings.api.desired_count == (var.environment == "dev" ? 1 : 2),
        service.ecs_service_settings.worker.desired_count == (name == "notification" ? 0 : 1),
      ]
    ]))
    error_message = "Tasks at rest: dev 1 per API, prod 2; one per worker, none for the notification worker."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : [
        service.task_definitions.api.cpu == (var.environment == "dev" ? 256 : 512),
        service.task_definitions.api.memory == (var.environment == "dev" ? 512 : 1024),
        service.task_definitions.worker.cpu == 256,
        service.task_definitions.worker.memory == 512,
        [for process in ["api", "worker"] : toset(service.ecs_service_settings[process].capacity) == toset(var.environment == "dev" ? [
          { capacity_provider = "FARGATE_SPOT", base = 0, weight = 1 },
          ] : [
          { capacity_provider = "FARGATE", base = 1, weight = 0 },
          { capacity_provider = "FARGATE_SPOT", base = 0, weight = 1 },
        ])],
      ]
    ]))
    error_message = "Task sizes and Spot placement: dev 0.25 vCPU APIs, every task on Spot; prod 0.5 vCPU APIs, the first task of each service on regular Fargate and every other on Spot."
  }

  assert {
    condition = alltrue(flatten([
      for name, service in module.service : var.environment == "dev" ? [
        toset(keys(service.office_hours)) == toset(["api_start", "api_stop", "worker_start", "worker_stop"]),
        service.office_hours.api_stop.max == 0 && service.office_hours.worker_stop.max == 0,
        service.office_hours.api_start.min == 1,
        service.office_hours.worker_start.min == (name == "notification" ? 0 : 1),
      ] : [length(service.office_hours) == 0]
    ]))
    error_message = "Dev runs every process in office hours only (and nothing outside them, so Aurora pauses); prod always runs."
  }

  assert {
    condition = module.cognito.email == (var.environment == "prod" ? {
      sending_account = "DEVELOPER"
      source_arn      = "arn:aws:ses:eu-west-1:111122223333:identity/shop.example.com"
      from            = "Shop <no-reply@shop.example.com>"
      } : {
      sending_account = "COGNITO_DEFAULT"
      source_arn      = null
      from            = null
    })
    error_message = "Prod sends the user pool's e-mail through the account's SES identity; dev keeps Cognito's own sender (50 a day)."
  }

  assert {
    condition     = module.aurora.settings.parameter_group_family == "aurora-postgresql16" && module.aurora.settings.engine_version == "16.8"
    error_message = "The parameter group's family follows the engine's major version."
  }

  # --- Alarms: each notifies the alarm topic -------------------------------

  assert {
    condition = (
      length(module.messaging.alarms) == 16 &&
      alltrue([for name, alarm in module.messaging.alarms : alarm.actions == toset([module.messaging.alarm_topic_arn])]) &&
      toset([for name, alarm in module.messaging.alarms : name if alarm.metric == "AWS/SQS/ApproximateAgeOfOldestMessage"]) == toset([
        for queue in flatten(values(var.consumes)) : "shop-${var.environment}-${queue}-oldest-message-age"
      ]) &&
      alltrue([for name, alarm in module.messaging.alarms : alarm.threshold == 300 if alarm.metric == "AWS/SQS/ApproximateAgeOfOldestMessage"])
    )
    error_message = "Every queue has an alarm on its oldest message's age (past 300 s) besides its dead-letter alarm, each notifying the alarm topic."
  }

  assert {
    condition = alltrue([
      for name, service in module.service :
      var.environment == "prod" ? service.alarms == {
        for process in ["api", "worker"] : process => {
          name       = "shop-prod-${name}-${process}-tasks-missing"
          expression = "desired - running"
          actions    = toset([module.messaging.alarm_topic_arn])
        }
      } : length(service.alarms) == 0
    ])
    error_message = "With Container Insights (prod) every ECS service has an alarm on tasks desired but not running; without it (dev) there is nothing to compare."
  }

  assert {
    condition = (
      module.alb.alarm.metrics == tolist(["HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count", "RequestCount"]) &&
      module.alb.alarm.threshold == 5 && module.alb.alarm.actions == toset([module.messaging.alarm_topic_arn]) &&
      module.api.alarm.metrics == tolist(["5xx", "Count"]) &&
      module.api.alarm.threshold == 5 && module.api.alarm.actions == toset([module.messaging.alarm_topic_arn]) &&
      toset(keys(module.aurora.alarms)) == toset(["shop-${var.environment}-aurora-capacity", "shop-${var.environment}-aurora-deadlocks"]) &&
      [for name, alarm in module.aurora.alarms : [alarm.metric, alarm.threshold]] == [["AWS/RDS/ACUUtilization", 90], ["AWS/RDS/Deadlocks", 0]] &&
      alltrue([for name, alarm in module.aurora.alarms : alarm.actions == toset([module.messaging.alarm_topic_arn])])
    )
    error_message = "The load balancer and the API alarm on their share of 5xx answers (over 5%), Aurora on its capacity (over 90%) and on any deadlock, each notifying the alarm topic."
  }

  assert {
    condition     = module.ecs_cluster.container_insights == (var.environment == "prod")
    error_message = "Container Insights in prod only (billed per metric); dev relies on ECS's own CPU and memory metrics."
  }

  assert {
    condition     = module.ecr.force_delete == tolist([var.environment == "dev"]) && module.aurora.settings.skip_final_snapshot == (var.environment == "dev")
    error_message = "Dev tears down completely; prod keeps its images and a final snapshot."
  }
}
