# The saga's signing key. The ordering worker starts each execution with
# HMAC-SHA256(key, order id) in its input, the state machine hashes that with
# the step's name and task token into every step command's proof, and the
# worker that runs the step checks the proof before acting: only the shop's
# own execution for that order can send a command that passes. The workers
# that start or run saga steps (ordering, inventory, payment) are given the
# key as SAGA_KEY; nothing else is.
#
# Its value comes in through an ephemeral variable and goes out through a
# write-only argument: it is in no file, and neither in a plan nor in the
# state. It is read only when saga_key_version changes (the first apply
# included); README.md, "Saga signing key", has the command that makes one.
resource "aws_secretsmanager_secret" "saga_key" {
  name        = "${var.prefix}-saga-key"
  description = "Signs the order saga's step commands (HMAC-SHA256 over the order id); read by the ordering, inventory and payment workers."
  kms_key_id  = var.secret_kms_key_arn
  # Without deletion protection (dev) a destroyed environment can be created
  # again at once under the same name.
  recovery_window_in_days = var.saga_key_recovery_window_days
}

resource "aws_secretsmanager_secret_version" "saga_key" {
  secret_id                = aws_secretsmanager_secret.saga_key.arn
  secret_string_wo         = var.saga_key
  secret_string_wo_version = var.saga_key_version
}
