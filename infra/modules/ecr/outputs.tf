output "repository" {
  description = "Per repository name, its ARN and URL."
  value       = { for name, repository in aws_ecr_repository.this : name => { arn = repository.arn, url = repository.repository_url } }
}
