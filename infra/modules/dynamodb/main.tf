resource "aws_dynamodb_table" "this" {
  for_each = { for table in var.tables : table.name => table }

  name         = "${var.prefix}-${each.key}"
  billing_mode = "PAY_PER_REQUEST" # pay per request: nothing at idle, no capacity to plan
  hash_key     = each.value.hash_key
  range_key    = each.value.range_key

  attribute {
    name = each.value.hash_key
    type = "S"
  }

  attribute {
    name = each.value.range_key
    type = "S"
  }

  # Items expire on their own when the topology names a TTL attribute.
  ttl {
    enabled        = each.value.ttl_attribute != null
    attribute_name = each.value.ttl_attribute
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  deletion_protection_enabled = var.deletion_protection

  tags = { Owner = each.value.owner }
}
