output "endpoint" {
  description = "Base URL of the API."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "routes" {
  description = "Route keys, each mapped to the service it reaches."
  value       = local.routes
}
