# Repository names carry no environment (shop/<service>) so that build
# scripts need none: each environment lives in its own AWS account, and the
# same tag is pushed to each account it is promoted to (see README.md).
resource "aws_ecr_repository" "this" {
  for_each = toset(var.repositories)

  name = each.key

  # A tag names one build forever: what runs is what was tested, and a
  # rollback to a tag brings back exactly that build.
  image_tag_mutability = "IMMUTABLE"

  # Where nothing is protected (development), destroying the repository
  # destroys its images too instead of failing on them.
  force_delete = var.force_delete

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  for_each = aws_ecr_repository.this

  repository = each.value.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Drop untagged layers after a week"
        selection    = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 7 }
        action       = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the most recent tagged images"
        selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = var.images_to_keep }
        action       = { type = "expire" }
      },
    ]
  })
}
