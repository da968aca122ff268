output "user_pool_id" {
  description = "The user pool."
  value       = aws_cognito_user_pool.this.id
}

output "user_pool_arn" {
  description = "The user pool's ARN."
  value       = aws_cognito_user_pool.this.arn
}

output "issuer" {
  description = "The iss claim of the pool's tokens."
  value       = "https://${aws_cognito_user_pool.this.endpoint}"
}

output "client_id" {
  description = "The app client; Cognito access tokens carry it as client_id."
  value       = aws_cognito_user_pool_client.api.id
}

output "email" {
  description = "How the pool sends e-mail: Cognito's sender or the account's SES identity, and from which address."
  value = {
    sending_account = one(aws_cognito_user_pool.this.email_configuration).email_sending_account
    source_arn      = one(aws_cognito_user_pool.this.email_configuration).source_arn
    from            = one(aws_cognito_user_pool.this.email_configuration).from_email_address
  }
}
