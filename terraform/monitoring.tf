# One monitoring node: Prometheus finds every instance through its Consul client and evaluates the
# platform's alert rules; Alertmanager sends each notification once to var.alert_webhook_url. It
# keeps metrics on its own disk (PROMETHEUS_RETENTION); a replaced node starts with none.
locals {
  alert_webhook = nonsensitive(var.alert_webhook_url == "") ? {} : { "alerting/webhook-url" = var.alert_webhook_url }
}

resource "aws_ssm_parameter" "alert_webhook" {
  for_each = nonsensitive(toset(keys(local.alert_webhook)))
  name     = "${local.ssm_prefix}/${each.key}"
  type     = "SecureString"
  value    = local.alert_webhook[each.key]
}

resource "aws_instance" "monitoring" {
  ami                    = var.image_id
  instance_type          = var.instance_types.monitoring
  subnet_id              = var.private_subnet_ids[0]
  vpc_security_group_ids = local.role_sg_ids["monitoring"]
  iam_instance_profile   = aws_iam_instance_profile.node["monitoring"].name
  user_data = templatefile("${path.module}/templates/user-data.sh.tftpl", {
    role      = "monitoring"
    node_name = "monitoring-1"
    # Prometheus and Alertmanager listen on the node's private address (the monitoring role's default).
    # Jaeger receives every node's spans (OTLP, 4318 from the cluster) and stores them in the log store.
    # KAFKA_BROKERS and LOG_STORE_URL: the cluster exporter asks both for their health.
    env = merge(local.common_env, local.cluster_clients_env, {
      PROMETHEUS_RETENTION = var.metrics_retention
    }, nonsensitive(var.alert_webhook_url == "") ? {} : { ALERT_WEBHOOK_URL_FILE = "${local.secrets_dir}/alert-webhook-url" })
    ssm_prefix = local.ssm_prefix
    region     = var.region
  })
  metadata_options {
    http_tokens = "required"
  }
  root_block_device {
    volume_size = 50
    volume_type = "gp3"
  }
  tags       = { Name = "${var.name}-monitoring-1", "${var.name}-role" = "monitoring" }
  depends_on = [aws_ssm_parameter.alert_webhook, aws_ssm_parameter.secret]
}
