output "arn_suffix" {
  description = "The load balancer's ARN suffix (names its metrics)."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "Internal DNS name; services call each other at http://<dns_name>/<path>."
  value       = aws_lb.this.dns_name
}

output "listener_arn" {
  description = "The HTTP listener the API gateway integrates with."
  value       = aws_lb_listener.http.arn
}

output "security_group_id" {
  description = "The load balancer's security group."
  value       = aws_security_group.this.id
}

output "target_groups" {
  description = "Per service, its target group's ARN and ARN suffix."
  value       = { for name, group in aws_lb_target_group.this : name => { arn = group.arn, arn_suffix = group.arn_suffix } }
}

output "idle_timeout" {
  description = "Seconds an idle connection is kept; below the services' keep-alive."
  value       = aws_lb.this.idle_timeout
}

output "forwarding" {
  description = "The subnets the load balancer's nodes live in, and what it does with a request's X-Forwarded-For."
  value = {
    subnet_ids                 = aws_lb.this.subnets
    xff_header_processing_mode = aws_lb.this.xff_header_processing_mode
  }
}

output "health_check_paths" {
  description = "Per service, the path the load balancer checks its tasks on."
  value       = { for name, group in aws_lb_target_group.this : name => group.health_check[0].path }
}

output "alarm" {
  description = "The 5xx alarm: its expression, threshold and where it notifies."
  value = {
    name       = aws_cloudwatch_metric_alarm.errors.alarm_name
    expression = one([for query in aws_cloudwatch_metric_alarm.errors.metric_query : query.expression if query.return_data == true])
    metrics    = sort(flatten([for query in aws_cloudwatch_metric_alarm.errors.metric_query : [for metric in query.metric : metric.metric_name]]))
    threshold  = aws_cloudwatch_metric_alarm.errors.threshold
    actions    = aws_cloudwatch_metric_alarm.errors.alarm_actions
  }
}
