variable "prefix" {
  description = "Name prefix, e.g. shop-prod."
  type        = string
}

variable "name" {
  description = "The state machine's topology name, e.g. order-saga."
  type        = string
}

variable "definition_file" {
  description = "Path of the Amazon States Language file."
  type        = string
}

variable "queues" {
  description = "The queues the definition sends to, by topology name; each fills the placeholder <name>_queue_url (dashes as underscores)."
  type        = map(object({ arn = string, url = string, name = string }))
}

variable "step_timeout_seconds" {
  description = "How long the state machine waits for a step's answer, by the service that runs the step; each fills the placeholder <service>_step_timeout_seconds."
  type        = map(number)
}

variable "messaging_kms_key_arn" {
  description = "Key of the queues, also used to encrypt the state machine's data."
  type        = string
}

variable "log_kms_key_arn" {
  description = "Key that encrypts the execution log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the execution log group."
  type        = number
}

variable "alarm_topic_arn" {
  description = "Topic notified when executions fail."
  type        = string
}

variable "secret_kms_key_arn" {
  description = "Key that encrypts the saga's signing key in Secrets Manager."
  type        = string
}

variable "saga_key" {
  description = "The saga's signing key, written into the secret when saga_key_version changes; null otherwise."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = null
}

variable "saga_key_version" {
  description = "Version of the saga's signing key: a new number writes saga_key into the secret."
  type        = number
}

variable "saga_key_recovery_window_days" {
  description = "Days a deleted signing key can be restored (0 deletes it at once)."
  type        = number
}
