variable "prefix" {
  description = "Name prefix, e.g. shop-prod."
  type        = string
}

variable "region" {
  description = "Region of the VPC (names the endpoint services)."
  type        = string
}

variable "cidr" {
  description = "CIDR block of the VPC."
  type        = string
}

variable "availability_zones" {
  description = "Zones to create one public, one private and one database subnet in."
  type        = list(string)
}

variable "single_nat_gateway" {
  description = "Share one NAT gateway between all zones."
  type        = bool
}

variable "interface_endpoints" {
  description = "Service names (e.g. \"sqs\") reached through interface endpoints."
  type        = list(string)
}

variable "log_retention_days" {
  description = "Retention of the flow log group."
  type        = number
}

variable "log_kms_key_arn" {
  description = "Key that encrypts the flow log group."
  type        = string
}

variable "account_id" {
  description = "The account's id: only VPC Flow Logs acting for it may assume the flow-log role."
  type        = string
}
