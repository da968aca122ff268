output "vpc_id" {
  description = "The VPC."
  value       = aws_vpc.this.id
}

output "public_subnet_ids" {
  description = "Subnets of the NAT gateways."
  value       = [for subnet in aws_subnet.public : subnet.id]
}

output "private_subnet_ids" {
  description = "Subnets of the tasks, the load balancer, the VPC link and the endpoints."
  value       = [for subnet in aws_subnet.private : subnet.id]
}

output "private_subnet_cidrs" {
  description = "Address ranges of the private subnets, in the order of private_subnet_ids: where the load balancer's nodes connect to the tasks from."
  value       = [for subnet in aws_subnet.private : subnet.cidr_block]
}

output "database_subnet_ids" {
  description = "Subnets of the database."
  value       = [for subnet in aws_subnet.database : subnet.id]
}

output "nat_gateway_count" {
  description = "NAT gateways (one, or one per zone)."
  value       = length(aws_nat_gateway.this)
}

output "interface_endpoints" {
  description = "AWS services reached through interface endpoints."
  value       = sort(keys(aws_vpc_endpoint.interface))
}

output "flow_logs_trust" {
  description = "Who may assume the flow-log role (its trust policy)."
  value       = jsondecode(aws_iam_role.flow_logs.assume_role_policy)
}
