variable "prefix" {
  description = "Name prefix, e.g. shop-prod."
  type        = string
}

variable "region" {
  description = "Region, for the log driver."
  type        = string
}

variable "schemas" {
  description = "Schemas to migrate, one task definition each (alembic section names)."
  type        = list(string)
}

variable "image" {
  description = "The migrations repository and the tag to run."
  type        = object({ repository_arn = string, repository_url = string, tag = string })
}

variable "vpc_id" {
  description = "The VPC."
  type        = string
}

variable "database" {
  description = "The PostgreSQL cluster."
  type = object({
    host                = string
    port                = number
    name                = string
    user                = string
    password_secret_arn = string
    security_group_id   = string
  })
}

variable "data_kms_key_arn" {
  description = "Key of the database secret."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the migrations log group."
  type        = number
}

variable "log_kms_key_arn" {
  description = "Key that encrypts the log group."
  type        = string
}
