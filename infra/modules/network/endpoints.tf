# Gateway endpoints are free: DynamoDB for the tables, S3 because image
# layers pulled from ECR are served from S3.
resource "aws_vpc_endpoint" "gateway" {
  for_each = toset(["s3", "dynamodb"])

  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [for table in aws_route_table.private : table.id]

  tags = { Name = "${var.prefix}-${each.key}" }
}

# Interface endpoints keep the tasks' AWS calls (images, logs, secrets,
# queues, topics, the state machine) inside the VPC and off the NAT bill.
resource "aws_security_group" "endpoints" {
  count = length(var.interface_endpoints) > 0 ? 1 : 0

  name        = "${var.prefix}-endpoints"
  description = "Interface VPC endpoints: HTTPS from the private subnets"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${var.prefix}-endpoints" }
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  for_each = length(var.interface_endpoints) > 0 ? local.private_cidrs : {}

  security_group_id = aws_security_group.endpoints[0].id
  description       = "HTTPS from private subnet ${each.key}"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
}

resource "aws_vpc_endpoint" "interface" {
  for_each = toset(var.interface_endpoints)

  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [for subnet in aws_subnet.private : subnet.id]
  security_group_ids  = [aws_security_group.endpoints[0].id]
  private_dns_enabled = true

  tags = { Name = "${var.prefix}-${each.key}" }
}
