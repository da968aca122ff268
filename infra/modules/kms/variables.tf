variable "prefix" {
  description = "Name prefix, e.g. shop-prod."
  type        = string
}

variable "region" {
  description = "Region the keys serve."
  type        = string
}

variable "account_id" {
  description = "Account that owns the keys."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Waiting period before a scheduled key deletion takes effect."
  type        = number
  default     = 30
}
