# The platform in the cloud: Consul servers, service nodes, edge nodes behind a network load
# balancer (each with the gateway's control plane filling its edge HAProxy's maps), PostgreSQL nodes, a Patroni each, electing their leader through Consul,
# and the Kafka and log store clusters (clusters.tf). Every machine boots the same image
# (packer/) and runs `platform node` with its role, the code the local platform runs.

locals {
  consul_join = "provider=aws tag_key=${var.name}-role tag_value=consul-server"
  secrets_dir = "/etc/platform/secrets"
  # The monitoring node's Jaeger: every instance sends its spans there.
  tracing_otlp_url = "http://${aws_instance.monitoring.private_ip}:4318"
  common_env = {
    CONSUL_RETRY_JOIN           = local.consul_join
    CONSUL_DATACENTER           = var.region
    POSTGRES_MAX_REPLICA_LAG_MS = tostring(var.max_replica_lag_ms)
    # Where platform-first-boot puts the node's Consul secrets (0600 files; one per token name).
    CONSUL_ENCRYPT_KEY_FILE = "${local.secrets_dir}/consul/gossip-key"
    CONSUL_CA_FILE          = "${local.secrets_dir}/consul/ca-cert.pem"
    CONSUL_TOKENS_DIR       = "${local.secrets_dir}/consul/tokens"
    CONSUL_AGENT_TOKEN_FILE = "${local.secrets_dir}/consul/tokens/agent"
  }
  user_data = {
    for role, env in {
      consul-server = {
        CONSUL_BOOTSTRAP_EXPECT      = tostring(var.consul_servers)
        CONSUL_CA_KEY_FILE           = "${local.secrets_dir}/consul/ca-key.pem"
        CONSUL_MANAGEMENT_TOKEN_FILE = "${local.secrets_dir}/consul/management-token"
        # The tokens the servers create in Consul (first boot reads each into CONSUL_TOKENS_DIR).
        CONSUL_TOKEN_NAMES = join(",", local.consul_token_names)
      }
      service = {
        PLATFORM_SERVICES = var.services
        # Only user and database name matter: the node's database HAProxy is where it connects.
        DB_WRITE_URL     = "postgresql://platform_app@127.0.0.1:5432/platform"
        DB_READ_URL      = "postgresql://platform_app@127.0.0.1:5432/platform"
        DB_PASSWORD_FILE = "${local.secrets_dir}/db-app.password"
        DB_TLS_CA_FILE   = "${local.secrets_dir}/postgres-cert.pem"
        TRACING_OTLP_URL = local.tracing_otlp_url
      }
      # The edge HAProxy and, beside it, the gateway's control plane (its instances at their default count);
      # edge nodes find each other in Consul and share their per-client limits on EDGE_PEER_PORT.
      edge = {
        EDGE_PORT               = "80"
        EDGE_TLS_PORT           = "443"
        EDGE_BIND_HOST          = "0.0.0.0"
        EDGE_TLS_CERT_FILE      = "${local.secrets_dir}/edge-tls.crt"
        EDGE_TLS_KEY_FILE       = "${local.secrets_dir}/edge-tls.key"
        EDGE_PEER_PORT          = tostring(local.group_rules.edge-peers.from_port)
        GATEWAY_API_KEYS_FILE   = "${local.secrets_dir}/gateway-api-keys.json"
        GATEWAY_JWT_SECRET_FILE = "${local.secrets_dir}/gateway-jwt-secret"
        # Issuer, audience and tolerance (var.gateway_jwt), placed from SSM like the secret.
        GATEWAY_JWT_SETTINGS_FILE = "${local.secrets_dir}/gateway-jwt-settings.json"
        TRACING_OTLP_URL          = local.tracing_otlp_url
      }
      } : role => templatefile("${path.module}/templates/user-data.sh.tftpl", {
        role       = role
        node_name  = ""
        env        = merge(local.common_env, contains(["service", "edge"], role) ? local.cluster_clients_env : {}, env)
        ssm_prefix = local.ssm_prefix
        region     = var.region
    })
  }
}

module "consul_servers" {
  source             = "./modules/node-pool"
  name               = var.name
  role               = "consul-server"
  image_id           = var.image_id
  instance_type      = var.instance_types.consul
  subnet_ids         = var.private_subnet_ids
  security_group_ids = local.role_sg_ids["consul-server"]
  instance_profile   = aws_iam_instance_profile.node["consul-server"].name
  user_data          = local.user_data["consul-server"]
  depends_on         = [aws_ssm_parameter.secret]
  size               = { min = var.consul_servers, desired = var.consul_servers, max = var.consul_servers }
}

module "service_nodes" {
  source             = "./modules/node-pool"
  name               = var.name
  role               = "service"
  image_id           = var.image_id
  instance_type      = var.instance_types.service
  subnet_ids         = var.private_subnet_ids
  security_group_ids = local.role_sg_ids["service"]
  instance_profile   = aws_iam_instance_profile.node["service"].name
  user_data          = local.user_data["service"]
  size               = var.service_nodes
  depends_on         = [aws_instance.database, aws_ssm_parameter.secret]
}

module "edge_nodes" {
  source             = "./modules/node-pool"
  name               = var.name
  role               = "edge"
  image_id           = var.image_id
  instance_type      = var.instance_types.edge
  subnet_ids         = var.private_subnet_ids
  security_group_ids = local.role_sg_ids["edge"]
  instance_profile   = aws_iam_instance_profile.node["edge"].name
  user_data          = local.user_data["edge"]
  size               = { min = var.edge_nodes, desired = var.edge_nodes, max = var.edge_nodes * 3 }
  target_group_arns  = [for group in aws_lb_target_group.edge : group.arn]
  depends_on         = [aws_ssm_parameter.secret]
}
