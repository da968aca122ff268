# Traffic in: only from the load balancer, only to the API port (the worker
# listens on nothing). Traffic out: AWS APIs and the pool's signing keys over
# HTTPS, the database, and the load balancer when calling other services.
resource "aws_security_group" "tasks" {
  name        = "${local.full_name}-tasks"
  description = "${var.name} tasks: from the ALB; to AWS APIs, the database and the ALB"
  vpc_id      = var.vpc_id

  tags = { Name = "${local.full_name}-tasks" }
}

resource "aws_vpc_security_group_ingress_rule" "api_from_alb" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "API port from the internal ALB"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = var.load_balancer.security_group_id
}

resource "aws_vpc_security_group_egress_rule" "alb_to_api" {
  security_group_id            = var.load_balancer.security_group_id
  description                  = "To the ${var.name} API tasks"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.tasks.id
}

# AWS APIs resolve to the interface endpoints inside the VPC; the Cognito
# signing keys (JWKS) are fetched through the NAT gateway.
resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS to AWS APIs and the token signing keys"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "database" {
  count = var.database == null ? 0 : 1

  security_group_id            = aws_security_group.tasks.id
  description                  = "PostgreSQL"
  ip_protocol                  = "tcp"
  from_port                    = var.database.port
  to_port                      = var.database.port
  referenced_security_group_id = var.database.security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "database_from_tasks" {
  count = var.database == null ? 0 : 1

  security_group_id            = var.database.security_group_id
  description                  = "PostgreSQL from ${var.name} tasks"
  ip_protocol                  = "tcp"
  from_port                    = var.database.port
  to_port                      = var.database.port
  referenced_security_group_id = aws_security_group.tasks.id
}

resource "aws_vpc_security_group_egress_rule" "alb" {
  count = length(var.service_urls) > 0 ? 1 : 0

  security_group_id            = aws_security_group.tasks.id
  description                  = "Other services through the internal ALB"
  ip_protocol                  = "tcp"
  from_port                    = var.alb_port
  to_port                      = var.alb_port
  referenced_security_group_id = var.load_balancer.security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "alb_from_tasks" {
  count = length(var.service_urls) > 0 ? 1 : 0

  security_group_id            = var.load_balancer.security_group_id
  description                  = "From ${var.name} tasks calling other services"
  ip_protocol                  = "tcp"
  from_port                    = var.alb_port
  to_port                      = var.alb_port
  referenced_security_group_id = aws_security_group.tasks.id
}
