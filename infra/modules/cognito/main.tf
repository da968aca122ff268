resource "aws_cognito_user_pool" "this" {
  name                = "${var.prefix}-${trimprefix(var.identity.user_pool, "shop-")}"
  deletion_protection = var.deletion_protection ? "ACTIVE" : "INACTIVE"

  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  mfa_configuration        = "OPTIONAL"

  software_token_mfa_configuration {
    enabled = true
  }

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = false
    temporary_password_validity_days = 3
  }

  # Cognito's own sender stops at 50 messages a day: enough for development,
  # not for a shop's sign-ups and password resets. With SES the pool sends
  # as the shop, within the account's SES quota.
  email_configuration {
    email_sending_account  = var.email == null ? "COGNITO_DEFAULT" : "DEVELOPER"
    source_arn             = var.email == null ? null : "arn:aws:ses:${var.region}:${var.account_id}:identity/${var.email.ses_identity}"
    from_email_address     = var.email == null ? null : var.email.from
    reply_to_email_address = var.email == null ? null : var.email.reply_to
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }
}

resource "aws_cognito_user_pool_client" "api" {
  name         = "${var.prefix}-${trimprefix(var.identity.app_client, "shop-")}"
  user_pool_id = aws_cognito_user_pool.this.id

  # A public client (browser or mobile app): no secret to leak.
  generate_secret               = false
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true

  explicit_auth_flows = concat(
    ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    var.allow_password_auth ? ["ALLOW_USER_PASSWORD_AUTH"] : [],
  )

  access_token_validity  = 60
  id_token_validity      = 60
  refresh_token_validity = 30

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }
}

# Members may manage the catalog and stock; the services read the group
# from the token's cognito:groups claim.
resource "aws_cognito_user_group" "admin" {
  name         = var.identity.admin_group
  user_pool_id = aws_cognito_user_pool.this.id
  description  = "Manages the catalog and stock"
}
