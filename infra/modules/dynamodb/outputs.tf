output "table" {
  description = "Per topology table name, the deployed table's name and ARN."
  value       = { for name, table in aws_dynamodb_table.this : name => { name = table.name, arn = table.arn } }
}
