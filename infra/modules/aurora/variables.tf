variable "prefix" {
  description = "Name prefix, e.g. shop-prod."
  type        = string
}

variable "vpc_id" {
  description = "The VPC."
  type        = string
}

variable "subnet_ids" {
  description = "Database subnets, one per zone."
  type        = list(string)
}

variable "engine_version" {
  description = "Aurora PostgreSQL version (16.3 or later for auto-pause); its major version names the parameter group's family."
  type        = string

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+$", var.engine_version))
    error_message = "A major and minor version, such as 16.8."
  }
}

variable "database_name" {
  description = "Database holding one schema per service."
  type        = string
  default     = "shop"
}

variable "master_username" {
  description = "Master user; its password is generated, stored and rotated by RDS in Secrets Manager."
  type        = string
  default     = "shop_admin"
}

variable "min_capacity" {
  description = "Minimum capacity units; 0 enables auto-pause."
  type        = number
}

variable "max_capacity" {
  description = "Maximum capacity units."
  type        = number
}

variable "seconds_until_auto_pause" {
  description = "Idle seconds before pausing, when min_capacity is 0."
  type        = number
}

variable "instance_count" {
  description = "Writer plus readers; readers in other zones take over on failure."
  type        = number
}

variable "backup_retention_days" {
  description = "Days of automated backups."
  type        = number
}

variable "deletion_protection" {
  description = "Protect the cluster from deletion."
  type        = bool
}

variable "skip_final_snapshot" {
  description = "Delete without a final snapshot (development data is disposable)."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "Key that encrypts storage, the master secret and Performance Insights."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the exported PostgreSQL log."
  type        = number
}

variable "log_kms_key_arn" {
  description = "Key that encrypts the exported log."
  type        = string
}

variable "account_id" {
  description = "The account's id: only RDS acting for it may assume the monitoring role."
  type        = string
}

variable "alarm_topic_arn" {
  description = "Topic the database's alarms notify."
  type        = string
}
