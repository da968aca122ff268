variable "prefix" {
  description = "Name prefix, e.g. shop-prod."
  type        = string
}

variable "tables" {
  description = "The topology's tables."
  type = list(object({
    name          = string
    owner         = string
    hash_key      = string
    range_key     = string
    ttl_attribute = optional(string)
  }))
}

variable "kms_key_arn" {
  description = "Key that encrypts the tables."
  type        = string
}

variable "deletion_protection" {
  description = "Protect the tables from deletion."
  type        = bool
}
