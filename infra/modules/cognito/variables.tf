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
