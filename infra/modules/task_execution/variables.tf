variable "region" {
  description = "Region of the log group, as the containers' log configuration names it."
  type        = string
}

variable "account_id" {
  description = "The account's id: only ECS acting for it may assume the roles."
  type        = string
}

variable "image_repository_arn" {
  description = "The ECR repository the tasks' image is pulled from."
  type        = string
}

variable "log_group" {
  description = "The tasks' log group: its name, retention and the key that encrypts it."
  type        = object({ name = string, retention_in_days = number, kms_key_arn = string })
}

variable "log_stream_prefixes" {
  description = "The containers' log stream prefixes, one log configuration each."
  type        = set(string)
}

variable "roles" {
  description = "Per kind of task, its execution role's and policy's names and the secrets ECS reads into its containers (exact ARNs)."
  type = map(object({
    name        = string
    policy_name = string
    secret_arns = optional(list(string), [])
  }))
}

variable "secrets_kms_key_arn" {
  description = "Key the secrets are encrypted with; used only where a role reads a secret."
  type        = string
  default     = null

  validation {
    condition     = var.secrets_kms_key_arn != null || alltrue([for role in values(var.roles) : length(role.secret_arns) == 0])
    error_message = "A role that reads secrets needs the key they are encrypted with."
  }
}
