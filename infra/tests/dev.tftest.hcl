mock_provider "aws" {
  source = "./tests/mocks"
}

override_resource {
  target = module.messaging.aws_sqs_queue.this["basket-events"]
  values = { arn = "arn:aws:sqs:eu-west-1:111122223333:shop-dev-basket-events" }
}

variables {
  image_tag = "abc123"
}

run "dev" {
  command = apply
  assert {
    condition     = module.messaging.queue["basket-events"].arn == "arn:aws:sqs:eu-west-1:111122223333:shop-dev-basket-events"
    error_message = "x"
  }
}
