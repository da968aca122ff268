locals {
  # Listener rule priorities in a stable order: 100, 110, 120, ...
  priority = { for index, name in sort(keys(var.services)) : name => 100 + 10 * index }
}

# Internal: reached only through the API gateway's VPC link and by services
# that call each other. Ingress rules are added by those callers (the api and
# ecs_service modules), so that each rule names exactly one source.
resource "aws_security_group" "this" {
  name        = "${var.prefix}-alb"
  description = "Internal ALB: from the VPC link and calling services; to API tasks"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.prefix}-alb" }
}

resource "aws_lb" "this" {
  name                       = "${var.prefix}-internal"
  internal                   = true
  load_balancer_type         = "application"
  subnets                    = var.subnet_ids
  security_groups            = [aws_security_group.this.id]
  drop_invalid_header_fields = true
  # X-Forwarded-For is removed, not appended to: a client's own list passes
  # through API Gateway (which does not let it be dropped or replaced), and
  # the address the load balancer would add is the VPC link's, inside the
  # subnets the services trust. Appended, the services would take the
  # client's rightmost entry as its address. Removed, they see the load
  # balancer's own address, which no client chooses (README.md, "Client
  # addresses").
  xff_header_processing_mode = "remove"
  enable_deletion_protection = var.deletion_protection
  # Above the gateway's 30 s integration timeout, and below the services'
  # keep-alive (uvicorn --timeout-keep-alive 65, servicekit.app.serve): the
  # load balancer closes an idle connection first, never the task under it.
  idle_timeout = 60
}

# TLS ends at the API gateway; inside the VPC the hop to the load balancer
# is plain HTTP (see README.md, "Security notes").
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "application/json"
      status_code  = "404"
      message_body = jsonencode({ type = "about:blank", title = "Not Found", status = 404 })
    }
  }
}

resource "aws_lb_target_group" "this" {
  for_each = var.services

  name                 = "${var.prefix}-${each.key}"
  port                 = var.container_port
  protocol             = "HTTP"
  target_type          = "ip" # Fargate tasks register by address
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    path                = var.health_check_path
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener_rule" "this" {
  for_each = var.services

  listener_arn = aws_lb_listener.http.arn
  priority     = local.priority[each.key]

  condition {
    path_pattern {
      values = [each.value.api_path, "${each.value.api_path}/*"]
    }
  }

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[each.key].arn
  }
}

# More than 5% of requests answered 5xx, by the tasks or by the load balancer
# itself (no healthy target, a task that hung up), over two 5-minute periods
# with at least 20 requests each.
resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "${var.prefix}-alb-5xx"
  alarm_description   = "Over 5% of the requests through the internal load balancer were answered 5xx for 10 minutes."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 5
  evaluation_periods  = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  dynamic "metric_query" {
    for_each = { requests = "RequestCount", target = "HTTPCode_Target_5XX_Count", balancer = "HTTPCode_ELB_5XX_Count" }

    content {
      id = metric_query.key

      metric {
        namespace   = "AWS/ApplicationELB"
        metric_name = metric_query.value
        dimensions  = { LoadBalancer = aws_lb.this.arn_suffix }
        stat        = "Sum"
        period      = 300
      }
    }
  }

  metric_query {
    id          = "rate"
    label       = "Share of requests answered 5xx (%)"
    expression  = "IF(FILL(requests, 0) >= 20, 100 * (FILL(target, 0) + FILL(balancer, 0)) / requests, 0)"
    return_data = true
  }
}
