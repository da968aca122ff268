terraform {
  # A floor, not a pin: 1.11 brings mock providers with everything
  # `terraform test` here uses, and S3's own lock file (use_lockfile); the
  # AWS provider from 5.100 has every argument this configuration sets, and
  # 6.x is accepted too. Teams that want one exact toolchain commit the
  # lock file `terraform init` writes in their own fork (see README.md,
  # "Versions").
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }

  # Partial configuration: bucket, key and region come from
  # env/<environment>.s3.tfbackend at `terraform init` (see README.md), so the
  # same code serves every environment and no account detail is committed.
  backend "s3" {}
}
