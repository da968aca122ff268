variable "prefix" {
  description = "Name prefix, e.g. shop-prod."
  type        = string
}

variable "region" {
  description = "Region, given to the containers as AWS_REGION."
  type        = string
}

variable "account_id" {
  description = "The account's id, for ARNs and conditions."
  type        = string
}

variable "schemas" {
  description = "Per schema, the service's own role (it reads and writes the schema's tables) and the role that owns the schema and runs its migrations."
  type        = map(object({ service_role = string, owner_role = string }))

  validation {
    condition     = alltrue([for schema, roles in var.schemas : roles.owner_role != roles.service_role])
    error_message = "A schema's owner and its service's role are two roles."
  }
}

variable "cluster" {
  description = "The ECS cluster the migration tasks run in."
  type        = object({ arn = string, name = string })
}

variable "image" {
  description = "The migrations image's ECR repository and the tag to run (the release's)."
  type        = object({ repository_arn = string, repository_url = string, tag = string })
}

variable "vpc_id" {
  description = "The VPC."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the migration tasks run in."
  type        = list(string)
}

variable "database" {
  description = "The Aurora cluster: where it answers, its resource id (which IAM database authentication names), its security group, and the master user with the secret holding its password."
  type = object({
    host                = string
    port                = number
    name                = string
    cluster_resource_id = string
    security_group_id   = string
    master_user         = string
    master_secret_arn   = string
  })
}

variable "data_kms_key_arn" {
  description = "Key the master secret is encrypted with."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the migrations' log group."
  type        = number
}

variable "log_kms_key_arn" {
  description = "Key that encrypts the log group."
  type        = string
}

variable "task_size" {
  description = "CPU units and MiB of memory of a migration task."
  type        = object({ cpu = number, memory = number })
  default     = { cpu = 256, memory = 512 }
}
