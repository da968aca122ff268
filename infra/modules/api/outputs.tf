output "endpoint" {
  description = "Base URL of the API."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "routes" {
  description = "Route keys, each mapped to the service it reaches."
  value       = local.routes
}

output "route_authorization" {
  description = "Per route key, how a caller is authorized: NONE, or JWT with the scopes it must carry."
  value = {
    for key, route in aws_apigatewayv2_route.this : key => {
      type          = route.authorization_type
      authorizer_id = route.authorizer_id
      scopes        = route.authorization_scopes
    }
  }
}

output "authorizer" {
  description = "The JWT authorizer's id, issuer and audience (the app client)."
  value = {
    id       = aws_apigatewayv2_authorizer.jwt.id
    issuer   = one(aws_apigatewayv2_authorizer.jwt.jwt_configuration).issuer
    audience = one(aws_apigatewayv2_authorizer.jwt.jwt_configuration).audience
  }
}

output "cors" {
  description = "The API's CORS configuration, or null without allowed origins."
  value       = one(aws_apigatewayv2_api.this.cors_configuration)
}

output "vpc_link_security_group_id" {
  description = "Security group of the VPC link."
  value       = aws_security_group.vpc_link.id
}

output "alb_ingress_from_vpc_link" {
  description = "The ALB rule admitting the VPC link (its group and source), and the VPC link's way out to the ALB (its group and destination)."
  value = {
    security_group_id = aws_vpc_security_group_ingress_rule.alb_from_vpc_link.security_group_id
    source            = aws_vpc_security_group_ingress_rule.alb_from_vpc_link.referenced_security_group_id
    link_egress       = [aws_vpc_security_group_egress_rule.vpc_link_to_alb.security_group_id, aws_vpc_security_group_egress_rule.vpc_link_to_alb.referenced_security_group_id]
  }
}

output "integration_request_parameters" {
  description = "How the integration changes each request before it reaches the load balancer."
  value       = aws_apigatewayv2_integration.alb.request_parameters
}

output "alarm" {
  description = "The 5xx alarm: its expression, threshold and where it notifies."
  value = {
    name       = aws_cloudwatch_metric_alarm.errors.alarm_name
    expression = one([for query in aws_cloudwatch_metric_alarm.errors.metric_query : query.expression if query.return_data == true])
    metrics    = sort(flatten([for query in aws_cloudwatch_metric_alarm.errors.metric_query : [for metric in query.metric : metric.metric_name]]))
    threshold  = aws_cloudwatch_metric_alarm.errors.threshold
    actions    = aws_cloudwatch_metric_alarm.errors.alarm_actions
  }
}
