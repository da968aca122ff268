# Values the provider checks the shape of (ARNs, ids with a format). The mock
# invents random strings for everything else.

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "111122223333"
    arn        = "arn:aws:iam::111122223333:root"
  }
}

mock_resource "aws_kms_key" {
  defaults = {
    arn    = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-000000000001"
    key_id = "00000000-0000-4000-8000-000000000001"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:eu-west-1:111122223333:log-group:mock"
  }
}

mock_resource "aws_lb" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/mock/0123456789abcdef"
    arn_suffix = "app/mock/0123456789abcdef"
    dns_name   = "internal-mock-123456789.eu-west-1.elb.amazonaws.com"
  }
}

mock_resource "aws_lb_listener" {
  defaults = {
    arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/app/mock/0123456789abcdef/0123456789abcdef"
  }
}

mock_resource "aws_lb_target_group" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/mock/0123456789abcdef"
    arn_suffix = "targetgroup/mock/0123456789abcdef"
  }
}

mock_resource "aws_cognito_user_pool" {
  defaults = {
    id       = "eu-west-1_Mock12345"
    arn      = "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_Mock12345"
    endpoint = "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Mock12345"
  }
}

mock_resource "aws_sns_topic" {
  defaults = {
    arn = "arn:aws:sns:eu-west-1:111122223333:mock"
  }
}

mock_resource "aws_sqs_queue" {
  defaults = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:mock"
    url = "https://sqs.eu-west-1.amazonaws.com/111122223333/mock"
  }
}

mock_resource "aws_iam_role" {
  defaults = {
    arn = "arn:aws:iam::111122223333:role/mock"
  }
}

mock_resource "aws_ecs_cluster" {
  defaults = {
    arn = "arn:aws:ecs:eu-west-1:111122223333:cluster/mock"
  }
}

mock_resource "aws_ecs_task_definition" {
  defaults = {
    arn      = "arn:aws:ecs:eu-west-1:111122223333:task-definition/mock:1"
    revision = 1
  }
}

mock_resource "aws_sfn_state_machine" {
  defaults = {
    arn = "arn:aws:states:eu-west-1:111122223333:stateMachine:mock"
  }
}

mock_resource "aws_dynamodb_table" {
  defaults = {
    arn = "arn:aws:dynamodb:eu-west-1:111122223333:table/mock"
  }
}

mock_resource "aws_ecr_repository" {
  defaults = {
    arn            = "arn:aws:ecr:eu-west-1:111122223333:repository/mock"
    repository_url = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/mock"
  }
}

mock_resource "aws_rds_cluster" {
  defaults = {
    arn                 = "arn:aws:rds:eu-west-1:111122223333:cluster:mock"
    endpoint            = "mock.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com"
    cluster_resource_id = "cluster-MOCKRESOURCEID"
    master_user_secret = [{
      kms_key_id    = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-000000000001"
      secret_arn    = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!cluster-mock-AbCdEf"
      secret_status = "active"
    }]
  }
}

mock_resource "aws_secretsmanager_secret" {
  defaults = {
    arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:mock-AbCdEf"
  }
}

mock_resource "aws_appautoscaling_policy" {
  defaults = {
    arn = "arn:aws:autoscaling:eu-west-1:111122223333:scalingPolicy:00000000-0000-4000-8000-000000000002:resource/ecs/service/mock:policyName/mock"
  }
}

# Distinct ARNs for what policies name, so that a policy naming the wrong
# queue, topic or table fails a test (the defaults above are one value per type).

override_resource {
  target = module.messaging.aws_sqs_queue.this["basket-events"]
  values = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:basket-events"
    url = "https://sqs.eu-west-1.amazonaws.com/111122223333/basket-events"
  }
}

override_resource {
  target = module.messaging.aws_sqs_queue.this["inventory-events"]
  values = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:inventory-events"
    url = "https://sqs.eu-west-1.amazonaws.com/111122223333/inventory-events"
  }
}

override_resource {
  target = module.messaging.aws_sqs_queue.this["notification-events"]
  values = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:notification-events"
    url = "https://sqs.eu-west-1.amazonaws.com/111122223333/notification-events"
  }
}

override_resource {
  target = module.messaging.aws_sqs_queue.this["ordering-checkouts"]
  values = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:ordering-checkouts"
    url = "https://sqs.eu-west-1.amazonaws.com/111122223333/ordering-checkouts"
  }
}

override_resource {
  target = module.messaging.aws_sqs_queue.this["ordering-events"]
  values = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:ordering-events"
    url = "https://sqs.eu-west-1.amazonaws.com/111122223333/ordering-events"
  }
}

override_resource {
  target = module.messaging.aws_sqs_queue.this["ordering-commands"]
  values = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:ordering-commands"
    url = "https://sqs.eu-west-1.amazonaws.com/111122223333/ordering-commands"
  }
}

override_resource {
  target = module.messaging.aws_sqs_queue.this["inventory-commands"]
  values = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:inventory-commands"
    url = "https://sqs.eu-west-1.amazonaws.com/111122223333/inventory-commands"
  }
}

override_resource {
  target = module.messaging.aws_sqs_queue.this["payment-commands"]
  values = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:payment-commands"
    url = "https://sqs.eu-west-1.amazonaws.com/111122223333/payment-commands"
  }
}

override_resource {
  target = module.messaging.aws_sns_topic.this["catalog-events"]
  values = { arn = "arn:aws:sns:eu-west-1:111122223333:catalog-events" }
}

override_resource {
  target = module.messaging.aws_sns_topic.this["ordering-events"]
  values = { arn = "arn:aws:sns:eu-west-1:111122223333:ordering-events" }
}

override_resource {
  target = module.messaging.aws_sns_topic.this["inventory-events"]
  values = { arn = "arn:aws:sns:eu-west-1:111122223333:inventory-events" }
}

override_resource {
  target = module.messaging.aws_sns_topic.this["payment-events"]
  values = { arn = "arn:aws:sns:eu-west-1:111122223333:payment-events" }
}

override_resource {
  target = module.dynamodb.aws_dynamodb_table.this["baskets"]
  values = { arn = "arn:aws:dynamodb:eu-west-1:111122223333:table/baskets" }
}

override_resource {
  target = module.dynamodb.aws_dynamodb_table.this["payments"]
  values = { arn = "arn:aws:dynamodb:eu-west-1:111122223333:table/payments" }
}

override_resource {
  target = module.dynamodb.aws_dynamodb_table.this["notifications"]
  values = { arn = "arn:aws:dynamodb:eu-west-1:111122223333:table/notifications" }
}

override_resource {
  target = module.kms.aws_kms_key.messaging
  values = {
    arn    = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-00000000000m"
    key_id = "00000000-0000-4000-8000-00000000000m"
  }
}

override_resource {
  target = module.workflow.aws_secretsmanager_secret.saga_key
  values = { arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:saga-key-AbCdEf" }
}

# Every role its own ARN, so that a policy naming the wrong principal (a queue
# open to another service's role, a secret readable by another process's
# execution role) fails a test.

override_resource {
  target = module.workflow.aws_iam_role.this
  values = { arn = "arn:aws:iam::111122223333:role/order-saga" }
}

override_resource {
  target = module.service["catalog"].aws_iam_role.task["api"]
  values = { arn = "arn:aws:iam::111122223333:role/catalog-api-task" }
}

override_resource {
  target = module.service["catalog"].aws_iam_role.task["worker"]
  values = { arn = "arn:aws:iam::111122223333:role/catalog-worker-task" }
}

override_resource {
  target = module.service["catalog"].module.execution.aws_iam_role.this["api"]
  values = { arn = "arn:aws:iam::111122223333:role/catalog-api-execution" }
}

override_resource {
  target = module.service["catalog"].module.execution.aws_iam_role.this["worker"]
  values = { arn = "arn:aws:iam::111122223333:role/catalog-worker-execution" }
}

override_resource {
  target = module.service["basket"].aws_iam_role.task["api"]
  values = { arn = "arn:aws:iam::111122223333:role/basket-api-task" }
}

override_resource {
  target = module.service["basket"].aws_iam_role.task["worker"]
  values = { arn = "arn:aws:iam::111122223333:role/basket-worker-task" }
}

override_resource {
  target = module.service["basket"].module.execution.aws_iam_role.this["api"]
  values = { arn = "arn:aws:iam::111122223333:role/basket-api-execution" }
}

override_resource {
  target = module.service["basket"].module.execution.aws_iam_role.this["worker"]
  values = { arn = "arn:aws:iam::111122223333:role/basket-worker-execution" }
}

override_resource {
  target = module.service["ordering"].aws_iam_role.task["api"]
  values = { arn = "arn:aws:iam::111122223333:role/ordering-api-task" }
}

override_resource {
  target = module.service["ordering"].aws_iam_role.task["worker"]
  values = { arn = "arn:aws:iam::111122223333:role/ordering-worker-task" }
}

override_resource {
  target = module.service["ordering"].module.execution.aws_iam_role.this["api"]
  values = { arn = "arn:aws:iam::111122223333:role/ordering-api-execution" }
}

override_resource {
  target = module.service["ordering"].module.execution.aws_iam_role.this["worker"]
  values = { arn = "arn:aws:iam::111122223333:role/ordering-worker-execution" }
}

override_resource {
  target = module.service["inventory"].aws_iam_role.task["api"]
  values = { arn = "arn:aws:iam::111122223333:role/inventory-api-task" }
}

override_resource {
  target = module.service["inventory"].aws_iam_role.task["worker"]
  values = { arn = "arn:aws:iam::111122223333:role/inventory-worker-task" }
}

override_resource {
  target = module.service["inventory"].module.execution.aws_iam_role.this["api"]
  values = { arn = "arn:aws:iam::111122223333:role/inventory-api-execution" }
}

override_resource {
  target = module.service["inventory"].module.execution.aws_iam_role.this["worker"]
  values = { arn = "arn:aws:iam::111122223333:role/inventory-worker-execution" }
}

override_resource {
  target = module.service["payment"].aws_iam_role.task["api"]
  values = { arn = "arn:aws:iam::111122223333:role/payment-api-task" }
}

override_resource {
  target = module.service["payment"].aws_iam_role.task["worker"]
  values = { arn = "arn:aws:iam::111122223333:role/payment-worker-task" }
}

override_resource {
  target = module.service["payment"].module.execution.aws_iam_role.this["api"]
  values = { arn = "arn:aws:iam::111122223333:role/payment-api-execution" }
}

override_resource {
  target = module.service["payment"].module.execution.aws_iam_role.this["worker"]
  values = { arn = "arn:aws:iam::111122223333:role/payment-worker-execution" }
}

override_resource {
  target = module.service["notification"].aws_iam_role.task["api"]
  values = { arn = "arn:aws:iam::111122223333:role/notification-api-task" }
}

override_resource {
  target = module.service["notification"].aws_iam_role.task["worker"]
  values = { arn = "arn:aws:iam::111122223333:role/notification-worker-task" }
}

override_resource {
  target = module.service["notification"].module.execution.aws_iam_role.this["api"]
  values = { arn = "arn:aws:iam::111122223333:role/notification-api-execution" }
}

override_resource {
  target = module.service["notification"].module.execution.aws_iam_role.this["worker"]
  values = { arn = "arn:aws:iam::111122223333:role/notification-worker-execution" }
}

# The migrations: their image, log group and roles, each its own.

override_resource {
  target = module.ecr.aws_ecr_repository.this["shop/migrations"]
  values = {
    arn            = "arn:aws:ecr:eu-west-1:111122223333:repository/shop/migrations"
    repository_url = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/migrations"
  }
}

override_resource {
  target = module.migrations.module.execution.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/migrations" }
}

override_resource {
  target = module.migrations.module.execution.aws_iam_role.this["migrations"]
  values = { arn = "arn:aws:iam::111122223333:role/migrations-execution" }
}

override_resource {
  target = module.migrations.aws_iam_role.task["catalog"]
  values = { arn = "arn:aws:iam::111122223333:role/migrate-catalog-task" }
}

override_resource {
  target = module.migrations.aws_iam_role.task["ordering"]
  values = { arn = "arn:aws:iam::111122223333:role/migrate-ordering-task" }
}

override_resource {
  target = module.migrations.aws_iam_role.task["inventory"]
  values = { arn = "arn:aws:iam::111122223333:role/migrate-inventory-task" }
}

# Each service's image repository and log groups their own ARNs, so that a
# role allowed another service's image or logs fails a test.

override_resource {
  target = module.ecr.aws_ecr_repository.this["shop/catalog"]
  values = {
    arn            = "arn:aws:ecr:eu-west-1:111122223333:repository/shop/catalog"
    repository_url = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/catalog"
  }
}

override_resource {
  target = module.service["catalog"].module.execution.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/catalog" }
}

override_resource {
  target = module.service["catalog"].aws_cloudwatch_log_group.metrics
  values = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/catalog/metrics" }
}

override_resource {
  target = module.ecr.aws_ecr_repository.this["shop/basket"]
  values = {
    arn            = "arn:aws:ecr:eu-west-1:111122223333:repository/shop/basket"
    repository_url = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/basket"
  }
}

override_resource {
  target = module.service["basket"].module.execution.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/basket" }
}

override_resource {
  target = module.service["basket"].aws_cloudwatch_log_group.metrics
  values = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/basket/metrics" }
}

override_resource {
  target = module.ecr.aws_ecr_repository.this["shop/ordering"]
  values = {
    arn            = "arn:aws:ecr:eu-west-1:111122223333:repository/shop/ordering"
    repository_url = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/ordering"
  }
}

override_resource {
  target = module.service["ordering"].module.execution.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/ordering" }
}

override_resource {
  target = module.service["ordering"].aws_cloudwatch_log_group.metrics
  values = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/ordering/metrics" }
}

override_resource {
  target = module.ecr.aws_ecr_repository.this["shop/inventory"]
  values = {
    arn            = "arn:aws:ecr:eu-west-1:111122223333:repository/shop/inventory"
    repository_url = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/inventory"
  }
}

override_resource {
  target = module.service["inventory"].module.execution.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/inventory" }
}

override_resource {
  target = module.service["inventory"].aws_cloudwatch_log_group.metrics
  values = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/inventory/metrics" }
}

override_resource {
  target = module.ecr.aws_ecr_repository.this["shop/payment"]
  values = {
    arn            = "arn:aws:ecr:eu-west-1:111122223333:repository/shop/payment"
    repository_url = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/payment"
  }
}

override_resource {
  target = module.service["payment"].module.execution.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/payment" }
}

override_resource {
  target = module.service["payment"].aws_cloudwatch_log_group.metrics
  values = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/payment/metrics" }
}

override_resource {
  target = module.ecr.aws_ecr_repository.this["shop/notification"]
  values = {
    arn            = "arn:aws:ecr:eu-west-1:111122223333:repository/shop/notification"
    repository_url = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/notification"
  }
}

override_resource {
  target = module.service["notification"].module.execution.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/notification" }
}

override_resource {
  target = module.service["notification"].aws_cloudwatch_log_group.metrics
  values = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/notification/metrics" }
}

mock_resource "aws_cognito_user_pool_client" {
  defaults = {
    id = "mockappclient0123456789abcd"
  }
}
