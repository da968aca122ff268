variable "repositories" {
  description = "Repository names, e.g. [\"shop/catalog\", \"shop/migrations\"]."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "Key that encrypts the images."
  type        = string
}

variable "force_delete" {
  description = "Let a destroy delete repositories that still hold images."
  type        = bool
  default     = false
}

variable "images_to_keep" {
  description = "Tagged images kept per repository; older ones expire, so a rollback can go this far back."
  type        = number
  default     = 30
}
