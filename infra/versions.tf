terraform {
  # Pinned to one minor line of each so that a plan means the same thing on
  # every laptop and in CI. Bump deliberately, and commit the
  # .terraform.lock.hcl that `terraform init` writes.
  required_version = "~> 1.13.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.22.0"
    }
  }

  # Partial configuration: bucket, key and region come from
  # env/<environment>.s3.tfbackend at `terraform init` (see README.md), so the
  # same code serves every environment and no account detail is committed.
  backend "s3" {}
}
