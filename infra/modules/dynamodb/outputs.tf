output "table" {
  description = "Per topology table name, the deployed table's name and ARN."
  value       = { for name, table in aws_dynamodb_table.this : name => { name = table.name, arn = table.arn } }
}

output "encryption_key" {
  description = "Per table, the KMS key it is encrypted with."
  value       = { for name, table in aws_dynamodb_table.this : name => one(table.server_side_encryption).kms_key_arn }
}
