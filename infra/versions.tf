terraform {
  # 1.11 brings mock providers with everything `terraform test` here uses,
  # and S3's own lock file (use_lockfile). The AWS provider is pinned to what
  # the tests run, 5.100 and its later 5.x releases; .terraform.lock.hcl
  # records the exact build (README.md, "Versions").
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Partial configuration: bucket, key and region come from
  # env/<environment>.s3.tfbackend at `terraform init` (see README.md), so the
  # same code serves every environment and no account detail is committed.
  backend "s3" {}
}
