output "repository" {
  description = "Per repository name, its ARN and URL."
  value       = { for name, repository in aws_ecr_repository.this : name => { arn = repository.arn, url = repository.repository_url } }
}

output "force_delete" {
  description = "Whether a destroy deletes repositories that still hold images."
  value       = distinct([for repository in aws_ecr_repository.this : repository.force_delete])
}
