locals {
  cluster_identifier = var.prefix
  # The parameter group's family follows the engine's major version (16.8:
  # aurora-postgresql16), so a major upgrade brings a group it can use.
  family = "aurora-postgresql${split(".", var.engine_version)[0]}"
}

resource "aws_db_subnet_group" "this" {
  name       = var.prefix
  subnet_ids = var.subnet_ids
}

# Ingress rules are added by each client (services, migrations), naming
# exactly their own security group.
resource "aws_security_group" "this" {
  name        = "${var.prefix}-database"
  description = "Aurora PostgreSQL: from the services that own a schema and the migrations"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.prefix}-database" }
}

resource "aws_rds_cluster_parameter_group" "this" {
  name        = "${var.prefix}-${local.family}"
  family      = local.family
  description = "Shop cluster settings"

  # A new family is a new group: made before the cluster moves to it, and the
  # old one removed after.
  lifecycle {
    create_before_destroy = true
  }

  # Clients must use TLS.
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  # Schema changes and slow statements in the log; not every statement.
  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }
}

# RDS creates this log group on first write; declaring it sets its
# retention and encryption.
resource "aws_cloudwatch_log_group" "postgresql" {
  name              = "/aws/rds/cluster/${local.cluster_identifier}/postgresql"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
}

resource "aws_rds_cluster" "this" {
  cluster_identifier = local.cluster_identifier
  engine             = "aurora-postgresql"
  engine_mode        = "provisioned" # Serverless v2 is "provisioned" with db.serverless instances
  engine_version     = var.engine_version
  database_name      = var.database_name
  port               = 5432

  master_username               = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.kms_key_arn

  iam_database_authentication_enabled = true

  db_subnet_group_name            = aws_db_subnet_group.this.name
  vpc_security_group_ids          = [aws_security_group.this.id]
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.this.name

  storage_encrypted = true
  kms_key_id        = var.kms_key_arn

  serverlessv2_scaling_configuration {
    min_capacity             = var.min_capacity
    max_capacity             = var.max_capacity
    seconds_until_auto_pause = var.min_capacity == 0 ? var.seconds_until_auto_pause : null
  }

  backup_retention_period = var.backup_retention_days
  preferred_backup_window = "02:00-03:00"
  copy_tags_to_snapshot   = true
  # A snapshot named after the plan that created the cluster, so that a
  # second teardown of a recreated cluster does not collide with the first.
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = "${local.cluster_identifier}-final-${formatdate("YYYYMMDDhhmm", plantimestamp())}"
  deletion_protection       = var.deletion_protection

  enabled_cloudwatch_logs_exports = ["postgresql"]

  depends_on = [aws_cloudwatch_log_group.postgresql]

  lifecycle {
    ignore_changes = [final_snapshot_identifier]
  }
}

resource "aws_rds_cluster_instance" "this" {
  count = var.instance_count

  identifier           = "${local.cluster_identifier}-${count.index + 1}"
  cluster_identifier   = aws_rds_cluster.this.id
  engine               = aws_rds_cluster.this.engine
  engine_version       = aws_rds_cluster.this.engine_version
  instance_class       = "db.serverless"
  db_subnet_group_name = aws_db_subnet_group.this.name
  publicly_accessible  = false

  # Minor versions move when engine_version does, not under Terraform's
  # feet: an automatic upgrade would leave the configuration naming an
  # older version, and the next plan would try to downgrade.
  auto_minor_version_upgrade = false
  ca_cert_identifier         = "rds-ca-rsa2048-g1"

  performance_insights_enabled    = true
  performance_insights_kms_key_id = var.kms_key_arn

  monitoring_interval = 60
  monitoring_role_arn = aws_iam_role.monitoring.arn
}

resource "aws_iam_role" "monitoring" {
  name = "${var.prefix}-rds-monitoring"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
      Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

locals {
  alarms = {
    # The database at 90% of its maximum capacity for 15 minutes: it cannot
    # grow further, and queries queue up (raise max_capacity, or look for what
    # loads it). A paused cluster publishes nothing, which is no alarm.
    capacity = {
      description        = "Aurora has used over 90% of its maximum capacity (${var.max_capacity} ACU) for 15 minutes."
      metric             = "ACUUtilization"
      statistic          = "Average"
      evaluation_periods = 3
      threshold          = 90
    }
    # Deadlocks mean two transactions of a service take locks in opposite
    # orders: a bug to fix, whose victims are retried meanwhile.
    deadlocks = {
      description        = "Aurora resolved deadlocks: two transactions took locks in opposite orders."
      metric             = "Deadlocks"
      statistic          = "Sum"
      evaluation_periods = 1
      threshold          = 0
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.prefix}-aurora-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/RDS"
  metric_name         = each.value.metric
  dimensions          = { DBClusterIdentifier = aws_rds_cluster.this.cluster_identifier }
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = each.value.evaluation_periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

moved {
  from = aws_cloudwatch_metric_alarm.capacity
  to   = aws_cloudwatch_metric_alarm.this["capacity"]
}

moved {
  from = aws_cloudwatch_metric_alarm.deadlocks
  to   = aws_cloudwatch_metric_alarm.this["deadlocks"]
}
