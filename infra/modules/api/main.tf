locals {
  # Each service gets its prefix and everything under it, for every method,
  # plus the public routes (more specific, so the gateway prefers them).
  service_routes = merge([
    for name, service in var.services : {
      for pair in setproduct(var.route_methods, [service.api_path, "${service.api_path}/{proxy+}"]) :
      "${pair[0]} ${pair[1]}" => name
    }
  ]...)
  routes = merge(local.service_routes, { for key in var.public_routes : key => "public" })

  # Routes anyone may call without a token (the catalog's reads); the
  # service itself still decides what an anonymous caller sees.
  public_routes = toset(var.public_routes)
}

resource "aws_security_group" "vpc_link" {
  name        = "${var.prefix}-vpc-link"
  description = "API gateway VPC link: to the internal ALB only"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.prefix}-vpc-link" }
}

resource "aws_vpc_security_group_egress_rule" "vpc_link_to_alb" {
  security_group_id            = aws_security_group.vpc_link.id
  description                  = "To the internal ALB listener"
  ip_protocol                  = "tcp"
  from_port                    = var.alb_port
  to_port                      = var.alb_port
  referenced_security_group_id = var.alb_security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "alb_from_vpc_link" {
  security_group_id            = var.alb_security_group_id
  description                  = "From the API gateway VPC link"
  ip_protocol                  = "tcp"
  from_port                    = var.alb_port
  to_port                      = var.alb_port
  referenced_security_group_id = aws_security_group.vpc_link.id
}

resource "aws_apigatewayv2_vpc_link" "this" {
  name               = var.prefix
  subnet_ids         = var.subnet_ids
  security_group_ids = [aws_security_group.vpc_link.id]
}

resource "aws_apigatewayv2_api" "this" {
  name          = var.prefix
  protocol_type = "HTTP"

  # Without origins there is no CORS at all: only non-browser clients.
  dynamic "cors_configuration" {
    for_each = length(var.cors_allowed_origins) > 0 ? [var.cors_allowed_origins] : []

    content {
      allow_origins  = cors_configuration.value
      allow_methods  = var.route_methods
      allow_headers  = ["authorization", "content-type", "idempotency-key", "if-match"]
      expose_headers = ["location", "etag"]
      max_age        = 3600
    }
  }
}

resource "aws_apigatewayv2_authorizer" "jwt" {
  api_id           = aws_apigatewayv2_api.this.id
  name             = "cognito"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = var.jwt_issuer
    audience = var.jwt_audience
  }
}

# One integration for all services: the load balancer routes by path.
resource "aws_apigatewayv2_integration" "alb" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "HTTP_PROXY"
  integration_method     = "ANY"
  integration_uri        = var.alb_listener_arn
  connection_type        = "VPC_LINK"
  connection_id          = aws_apigatewayv2_vpc_link.this.id
  payload_format_version = "1.0"
  timeout_milliseconds   = 30000

  # Trace context from the internet is dropped: a request starts its own
  # trace in the service it reaches. A caller must not choose the trace id
  # or sampling decision the shop records, nor put baggage into every span
  # and message downstream. The request id is the gateway's own, whatever a
  # caller sent: the service logs it and echoes it, and it names the access
  # log line that holds the caller's address.
  request_parameters = merge(
    { for header in var.dropped_request_headers : "remove:header.${header}" => "''" },
    { "overwrite:header.x-request-id" = "$context.requestId" },
  )
}

resource "aws_apigatewayv2_route" "this" {
  for_each = local.routes

  api_id             = aws_apigatewayv2_api.this.id
  route_key          = each.key
  target             = "integrations/${aws_apigatewayv2_integration.alb.id}"
  authorization_type = contains(local.public_routes, each.key) ? "NONE" : "JWT"
  authorizer_id      = contains(local.public_routes, each.key) ? null : aws_apigatewayv2_authorizer.jwt.id

  # The authorizer checks issuer, expiry, signature and the app client
  # (client_id, since access tokens carry no aud); an ID token has aud and
  # would pass that too, but carries no scope: requiring the scope that
  # Cognito puts in every access token admits access tokens only.
  authorization_scopes = contains(local.public_routes, each.key) ? null : var.required_scopes
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/apigateway/${var.prefix}/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit    = var.throttling_rate_limit
    throttling_burst_limit   = var.throttling_burst_limit
    detailed_metrics_enabled = true
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId      = "$context.requestId"
      requestTime    = "$context.requestTime"
      ip             = "$context.identity.sourceIp"
      method         = "$context.httpMethod"
      path           = "$context.path"
      routeKey       = "$context.routeKey"
      status         = "$context.status"
      responseLength = "$context.responseLength"
      latencyMs      = "$context.responseLatency"
      integrationMs  = "$context.integrationLatency"
      integrationErr = "$context.integrationErrorMessage"
      authorizerErr  = "$context.authorizer.error"
      userId         = "$context.authorizer.claims.sub"
    })
  }
}

# More than 5% of the API's requests answered 5xx (by the services, or by the
# gateway: an integration that timed out or could not connect), over two
# 5-minute periods with at least 20 requests each.
resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "${var.prefix}-api-5xx"
  alarm_description   = "Over 5% of the API's requests were answered 5xx for 10 minutes."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 5
  evaluation_periods  = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  dynamic "metric_query" {
    for_each = { requests = "Count", errors = "5xx" }

    content {
      id = metric_query.key

      metric {
        namespace   = "AWS/ApiGateway"
        metric_name = metric_query.value
        dimensions  = { ApiId = aws_apigatewayv2_api.this.id, Stage = aws_apigatewayv2_stage.default.name }
        stat        = "Sum"
        period      = 300
      }
    }
  }

  metric_query {
    id          = "rate"
    label       = "Share of requests answered 5xx (%)"
    expression  = "IF(FILL(requests, 0) >= 20, 100 * FILL(errors, 0) / requests, 0)"
    return_data = true
  }
}
