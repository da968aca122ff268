variable "prefix" {
  description = "Name prefix, e.g. shop-prod."
  type        = string
}

variable "identity" {
  description = "The topology's identity block: user_pool, app_client and admin_group names."
  type        = object({ user_pool = string, app_client = string, admin_group = string })
}

variable "allow_password_auth" {
  description = "Allow USER_PASSWORD_AUTH on the app client."
  type        = bool
}

variable "deletion_protection" {
  description = "Protect the user pool from deletion."
  type        = bool
}

variable "region" {
  description = "Region of the user pool and of the SES identity it sends from."
  type        = string
}

variable "account_id" {
  description = "The account's id, for the SES identity's ARN."
  type        = string
}

variable "email" {
  description = "Send the pool's e-mail through SES: from this address, as this verified SES identity (a domain or an address) of the account. Null keeps Cognito's own sender, limited to 50 messages a day."
  type        = object({ from = string, ses_identity = string, reply_to = optional(string) })
  default     = null
}
