# APIs scale on requests per task or CPU, whichever asks for more, and never
# below min_tasks: a load balancer cannot hold a request while a task starts.
#
# Workers scale on their queues' backlog. An always-on worker tracks the
# backlog per task, where Container Insights publishes the running task count;
# a worker that may sleep, or one in a cluster without Container Insights,
# steps its task count on queue depth instead (a per-task ratio means nothing
# at zero tasks), and steps back to its minimum when its queues stay empty.

locals {
  queue_names = [for queue in values(var.consumed_queues) : queue.name]
  has_queues  = length(local.queue_names) > 0
  # A worker has a scalable target when it scales on its queues or keeps
  # office hours; a worker without queues (it only relays its outbox) keeps
  # its one task otherwise.
  worker_autoscales = local.has_queues || var.office_hours != null
  tracking_worker   = local.has_queues && !var.worker.scales_to_zero && var.cluster.container_insights
  stepping_worker   = local.has_queues && !local.tracking_worker

  # "m0 + m1 + ...": messages waiting across the worker's queues.
  backlog_expression = join(" + ", [for index, name in local.queue_names : "m${index}"])

  # Each process's scalable target, whichever of the two kinds it has (null
  # for a worker that keeps its one task).
  api_target    = one(concat(aws_appautoscaling_target.api, aws_appautoscaling_target.api_scheduled))
  worker_target = one(concat(aws_appautoscaling_target.worker, aws_appautoscaling_target.worker_scheduled))
}

# Without office hours Terraform keeps each target's bounds. With them, the
# scheduled actions below set the bounds twice a day, and Terraform sets them
# only when it creates the target: an apply outside office hours would
# otherwise put back the daytime bounds and start what the schedule stopped.
# A change of bounds then reaches the target at the next scheduled start.
resource "aws_appautoscaling_target" "api" {
  count = var.office_hours == null ? 1 : 0

  service_namespace  = "ecs"
  resource_id        = "service/${var.cluster.name}/${aws_ecs_service.api.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.api.min_tasks
  max_capacity       = var.api.max_tasks
}

resource "aws_appautoscaling_target" "api_scheduled" {
  count = var.office_hours == null ? 0 : 1

  service_namespace  = "ecs"
  resource_id        = "service/${var.cluster.name}/${aws_ecs_service.api.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.api.min_tasks
  max_capacity       = var.api.max_tasks

  lifecycle {
    ignore_changes = [min_capacity, max_capacity] # the schedule's
  }
}

moved {
  from = aws_appautoscaling_target.api
  to   = aws_appautoscaling_target.api[0]
}

resource "aws_appautoscaling_policy" "api_requests" {
  name               = "${local.full_name}-api-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = local.api_target.service_namespace
  resource_id        = local.api_target.resource_id
  scalable_dimension = local.api_target.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.api.requests_per_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${var.load_balancer.arn_suffix}/${var.load_balancer.target_group_arn_suffix}"
    }
  }
}

resource "aws_appautoscaling_policy" "api_cpu" {
  name               = "${local.full_name}-api-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = local.api_target.service_namespace
  resource_id        = local.api_target.resource_id
  scalable_dimension = local.api_target.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.api.cpu_target_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_target" "worker" {
  count = local.worker_autoscales && var.office_hours == null ? 1 : 0

  service_namespace  = "ecs"
  resource_id        = "service/${var.cluster.name}/${aws_ecs_service.worker.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = local.processes.worker.min_tasks
  max_capacity       = var.worker.max_tasks
}

resource "aws_appautoscaling_target" "worker_scheduled" {
  count = var.office_hours == null ? 0 : 1

  service_namespace  = "ecs"
  resource_id        = "service/${var.cluster.name}/${aws_ecs_service.worker.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = local.processes.worker.min_tasks
  max_capacity       = var.worker.max_tasks

  lifecycle {
    ignore_changes = [min_capacity, max_capacity] # the schedule's
  }
}

# Always-on worker: (messages waiting) / (running tasks) held at the target.
resource "aws_appautoscaling_policy" "worker_backlog_per_task" {
  count = local.tracking_worker ? 1 : 0

  name               = "${local.full_name}-worker-backlog-per-task"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = local.worker_target.service_namespace
  resource_id        = local.worker_target.resource_id
  scalable_dimension = local.worker_target.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.worker.backlog_per_task
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    customized_metric_specification {
      dynamic "metrics" {
        for_each = local.queue_names

        content {
          id          = "m${metrics.key}"
          return_data = false

          metric_stat {
            stat = "Average"

            metric {
              namespace   = "AWS/SQS"
              metric_name = "ApproximateNumberOfMessagesVisible"

              dimensions {
                name  = "QueueName"
                value = metrics.value
              }
            }
          }
        }
      }

      metrics {
        id          = "tasks"
        return_data = false

        metric_stat {
          stat = "Average"

          metric {
            namespace   = "ECS/ContainerInsights"
            metric_name = "RunningTaskCount"

            dimensions {
              name  = "ClusterName"
              value = var.cluster.name
            }

            dimensions {
              name  = "ServiceName"
              value = aws_ecs_service.worker.name
            }
          }
        }
      }

      metrics {
        id          = "backlog_per_task"
        label       = "Messages waiting per worker task"
        expression  = "(${local.backlog_expression}) / tasks"
        return_data = true
      }
    }
  }
}

# Stepping worker, waking and growing: while messages wait, run one task per
# band of backlog (up to max_tasks). ExactCapacity keeps repeated alarm
# actions from stacking up.
resource "aws_appautoscaling_policy" "worker_queue_depth" {
  count = local.stepping_worker ? 1 : 0

  name               = "${local.full_name}-worker-queue-depth"
  policy_type        = "StepScaling"
  service_namespace  = local.worker_target.service_namespace
  resource_id        = local.worker_target.resource_id
  scalable_dimension = local.worker_target.scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ExactCapacity"
    metric_aggregation_type = "Maximum"
    cooldown                = 60

    # Bounds are relative to the alarm threshold of 1 message.
    step_adjustment {
      metric_interval_lower_bound = 0
      metric_interval_upper_bound = var.worker.backlog_per_task
      scaling_adjustment          = 1
    }

    step_adjustment {
      metric_interval_lower_bound = var.worker.backlog_per_task
      metric_interval_upper_bound = 4 * var.worker.backlog_per_task
      scaling_adjustment          = max(1, ceil(var.worker.max_tasks / 2))
    }

    step_adjustment {
      metric_interval_lower_bound = 4 * var.worker.backlog_per_task
      scaling_adjustment          = var.worker.max_tasks
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "worker_has_messages" {
  count = local.stepping_worker ? 1 : 0

  alarm_name          = "${local.full_name}-worker-has-messages"
  alarm_description   = "Messages are waiting for the ${var.name} worker: wake it or add tasks."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.worker_queue_depth[0].arn]

  dynamic "metric_query" {
    for_each = local.queue_names

    content {
      id = "m${metric_query.key}"

      metric {
        namespace   = "AWS/SQS"
        metric_name = "ApproximateNumberOfMessagesVisible"
        dimensions  = { QueueName = metric_query.value }
        stat        = "Maximum"
        period      = 60
      }
    }
  }

  metric_query {
    id          = "waiting"
    label       = "Messages waiting"
    expression  = local.backlog_expression
    return_data = true
  }
}

# Stepping worker, shrinking: nothing waiting and nothing in flight for 15
# minutes. Zero tasks, held up to min_tasks (one for a worker that may not
# sleep).
resource "aws_appautoscaling_policy" "worker_sleep" {
  count = local.stepping_worker ? 1 : 0

  name               = "${local.full_name}-worker-sleep"
  policy_type        = "StepScaling"
  service_namespace  = local.worker_target.service_namespace
  resource_id        = local.worker_target.resource_id
  scalable_dimension = local.worker_target.scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ExactCapacity"
    metric_aggregation_type = "Maximum"
    cooldown                = 300

    step_adjustment {
      metric_interval_upper_bound = 0
      scaling_adjustment          = 0
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "worker_idle" {
  count = local.stepping_worker ? 1 : 0

  alarm_name          = "${local.full_name}-worker-idle"
  alarm_description   = "The ${var.name} worker's queues have been empty for 15 minutes: back to its fewest tasks."
  comparison_operator = "LessThanOrEqualToThreshold"
  threshold           = 0
  evaluation_periods  = 15
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.worker_sleep[0].arn]

  dynamic "metric_query" {
    for_each = local.queue_names

    content {
      id = "v${metric_query.key}"

      metric {
        namespace   = "AWS/SQS"
        metric_name = "ApproximateNumberOfMessagesVisible"
        dimensions  = { QueueName = metric_query.value }
        stat        = "Maximum"
        period      = 60
      }
    }
  }

  dynamic "metric_query" {
    for_each = local.queue_names

    content {
      id = "f${metric_query.key}"

      metric {
        namespace   = "AWS/SQS"
        metric_name = "ApproximateNumberOfMessagesNotVisible"
        dimensions  = { QueueName = metric_query.value }
        stat        = "Maximum"
        period      = 60
      }
    }
  }

  metric_query {
    id          = "pending"
    label       = "Messages waiting or in flight"
    expression  = join(" + ", flatten([for index, name in local.queue_names : ["v${index}", "f${index}"]]))
    return_data = true
  }
}

# Office hours (development): outside them every process of the service is
# scaled to zero, its connections close and Aurora can pause. Inside them the
# usual bounds apply again.
locals {
  # Plain strings and numbers only, so that both branches convert to one map
  # type whatever Terraform knows about the targets at the time.
  scheduled = var.office_hours == null ? {} : {
    api_start    = { resource_id = local.api_target.resource_id, schedule = var.office_hours.start, min = var.api.min_tasks, max = var.api.max_tasks }
    api_stop     = { resource_id = local.api_target.resource_id, schedule = var.office_hours.stop, min = 0, max = 0 }
    worker_start = { resource_id = local.worker_target.resource_id, schedule = var.office_hours.start, min = local.processes.worker.min_tasks, max = var.worker.max_tasks }
    worker_stop  = { resource_id = local.worker_target.resource_id, schedule = var.office_hours.stop, min = 0, max = 0 }
  }
}

resource "aws_appautoscaling_scheduled_action" "office_hours" {
  for_each = local.scheduled

  name               = "${local.full_name}-${replace(each.key, "_", "-")}"
  service_namespace  = "ecs"
  resource_id        = each.value.resource_id
  scalable_dimension = "ecs:service:DesiredCount"
  schedule           = each.value.schedule
  timezone           = var.office_hours.timezone

  scalable_target_action {
    min_capacity = each.value.min
    max_capacity = each.value.max
  }
}
