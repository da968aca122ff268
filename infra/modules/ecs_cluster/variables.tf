variable "prefix" {
  description = "Name prefix, e.g. shop-prod."
  type        = string
}
