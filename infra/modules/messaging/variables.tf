variable "prefix" {
  description = "Name prefix, e.g. shop-prod."
  type        = string
}

variable "topics" {
  description = "The topology's topics."
  type        = list(object({ name = string, publisher = string }))
}

variable "queues" {
  description = "The topology's queues, each with its subscriptions to topics."
  type = list(object({
    name                       = string
    consumer                   = string
    visibility_timeout_seconds = number
    max_receive_count          = number
    subscriptions              = list(object({ topic = string, event_types = list(string) }))
  }))
}

variable "kms_key_arn" {
  description = "Key that encrypts topics and queues; its policy lets SNS and CloudWatch use it."
  type        = string
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic, or null."
  type        = string
  default     = null
}

variable "command_senders" {
  description = "Per command queue, the only principals (role ARNs) that may send to it."
  type        = map(list(string))
  default     = {}
}

variable "topic_publishers" {
  description = "Per topology topic name, the only principals (role ARNs) that may publish to it."
  type        = map(list(string))
  default     = {}
}

variable "queue_age_alarm_seconds" {
  description = "Age of a queue's oldest message past which its alarm goes off (held for 5 minutes)."
  type        = number
  default     = 300
}
