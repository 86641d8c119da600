# Kafka and the log store, the two clusters the services, Filebeat and the monitoring node use.
# var.stateful_services chooses who runs them:
# - "nodes" (default): the platform's own `kafka` and `logstore` nodes, 3 each, running
#   `platform node` from the same image (a KRaft broker+controller each; an OpenSearch member
#   each), on fixed addresses and EBS data volumes (modules/cluster-members);
# - "managed": Amazon MSK and Amazon OpenSearch Service in the same private subnets.
# Either way KAFKA_BROKERS and LOG_STORE_URL below go into the service, edge and monitoring nodes'
# environment, and only the security groups "kafka" and "logstore" (network.tf) let anyone in.
locals {
  own_clusters = var.stateful_services == "nodes"
  data_dir     = "/var/lib/platform/data"
  # Three zones at most: MSK and OpenSearch Service spread over 2 or 3, and members go round them.
  cluster_subnets = slice(var.private_subnet_ids, 0, min(3, length(var.private_subnet_ids)))
  kafka_port      = 9092
  log_store_port  = local.own_clusters ? 9200 : 443
  kafka_brokers   = local.own_clusters ? join(",", [for ip in module.kafka_nodes[0].private_ips : "${ip}:${local.kafka_port}"]) : aws_msk_cluster.kafka[0].bootstrap_brokers
  # Every client takes one URL today: the first member (see docs/cloud.md, "Kafka and log store nodes").
  log_store_url = local.own_clusters ? join(",", [for ip in module.logstore_nodes[0].private_ips : "http://${ip}:${local.log_store_port}"]) : "https://${aws_opensearch_domain.logs[0].endpoint}"
  cluster_clients_env = {
    KAFKA_BROKERS = local.kafka_brokers
    LOG_STORE_URL = local.log_store_url
  }
}

resource "random_id" "kafka_cluster" {
  byte_length = 16
}

module "kafka_nodes" {
  source             = "./modules/cluster-members"
  count              = local.own_clusters ? 1 : 0
  name               = var.name
  role               = "kafka"
  members            = var.kafka.members
  image_id           = var.image_id
  instance_type      = var.kafka.instance_type
  subnet_ids         = local.cluster_subnets
  security_group_ids = local.role_sg_ids["kafka"]
  instance_profile   = aws_iam_instance_profile.node["kafka"].name
  volume_gb          = var.kafka.volume_gb
  data_dir           = local.data_dir
  env = merge(local.common_env, {
    KAFKA_PORT            = tostring(local.kafka_port)
    KAFKA_CONTROLLER_PORT = "9093"
    KAFKA_CLUSTER_ID      = random_id.kafka_cluster.b64_url
    KAFKA_HEAP_MB         = tostring(var.kafka.heap_mb)
  })
  member_id_variable = "KAFKA_NODE_ID"
  peers              = { variable = "KAFKA_CONTROLLER_VOTERS", port = 9093, with_id = true }
  user_data_template = "${path.module}/templates/user-data.sh.tftpl"
  ssm_prefix         = local.ssm_prefix
  region             = var.region
  depends_on         = [aws_ssm_parameter.secret]
}

module "logstore_nodes" {
  source             = "./modules/cluster-members"
  count              = local.own_clusters ? 1 : 0
  name               = var.name
  role               = "logstore"
  members            = var.log_store.members
  image_id           = var.image_id
  instance_type      = var.log_store.instance_type
  subnet_ids         = local.cluster_subnets
  security_group_ids = local.role_sg_ids["logstore"]
  instance_profile   = aws_iam_instance_profile.node["logstore"].name
  volume_gb          = var.log_store.volume_gb
  data_dir           = local.data_dir
  env = merge(local.common_env, {
    OPENSEARCH_HTTP_PORT      = tostring(local.log_store_port)
    OPENSEARCH_TRANSPORT_PORT = "9300"
    OPENSEARCH_HEAP           = var.log_store.heap
    LOG_RETENTION_DAYS        = tostring(var.log_store.retention_days)
  })
  peers              = { variable = "OPENSEARCH_SEED_HOSTS", port = 9300, with_id = false }
  names_variable     = "OPENSEARCH_INITIAL_MANAGERS"
  user_data_template = "${path.module}/templates/user-data.sh.tftpl"
  ssm_prefix         = local.ssm_prefix
  region             = var.region
  depends_on         = [aws_ssm_parameter.secret]
}

# Managed: the same guarantees as the own nodes (3 copies, 2 to acknowledge, no topic made by a send).
resource "aws_msk_configuration" "kafka" {
  count          = local.own_clusters ? 0 : 1
  name           = "${var.name}-kafka"
  kafka_versions = [var.kafka.managed_version]
  server_properties = join("\n", [
    "auto.create.topics.enable=false",
    "default.replication.factor=3",
    "min.insync.replicas=2",
    "offsets.topic.replication.factor=3",
    "transaction.state.log.replication.factor=3",
    "transaction.state.log.min.isr=2",
  ])
}

resource "aws_msk_cluster" "kafka" {
  count                  = local.own_clusters ? 0 : 1
  cluster_name           = "${var.name}-kafka"
  kafka_version          = var.kafka.managed_version
  number_of_broker_nodes = var.kafka.members
  broker_node_group_info {
    instance_type   = var.kafka.managed_instance_type
    client_subnets  = local.cluster_subnets
    security_groups = [local.groups["kafka"]]
    storage_info {
      ebs_storage_info {
        volume_size = var.kafka.volume_gb
      }
    }
  }
  configuration_info {
    arn      = aws_msk_configuration.kafka[0].arn
    revision = aws_msk_configuration.kafka[0].latest_revision
  }
  # The services' Kafka client speaks plaintext (as to the own nodes): only the kafka security
  # group's rules let anyone reach the brokers; brokers encrypt among themselves.
  encryption_info {
    encryption_in_transit {
      client_broker = "PLAINTEXT"
      in_cluster    = true
    }
  }
  lifecycle {
    precondition {
      condition     = var.kafka.members % length(local.cluster_subnets) == 0
      error_message = "MSK needs a number of brokers (kafka.members) that is a multiple of the subnets it spreads over (the first 3 private subnets)."
    }
  }
}

resource "aws_opensearch_domain" "logs" {
  count          = local.own_clusters ? 0 : 1
  domain_name    = "${var.name}-logs"
  engine_version = var.log_store.managed_version
  cluster_config {
    instance_type          = var.log_store.managed_instance_type
    instance_count         = var.log_store.members
    zone_awareness_enabled = true
    zone_awareness_config {
      availability_zone_count = length(local.cluster_subnets)
    }
  }
  ebs_options {
    ebs_enabled = true
    volume_size = var.log_store.volume_gb
    volume_type = "gp3"
  }
  vpc_options {
    subnet_ids         = local.cluster_subnets
    security_group_ids = [local.groups["logstore"]]
  }
  encrypt_at_rest {
    enabled = true
  }
  node_to_node_encryption {
    enabled = true
  }
  domain_endpoint_options {
    enforce_https       = true
    tls_security_policy = "Policy-Min-TLS-1-2-2019-07"
  }
  # Filebeat 7.12 ships only to a store answering as Elasticsearch 7.10 (as the own nodes do).
  advanced_options = {
    "override_main_response_version" = "true"
  }
  # Inside the VPC, reachable only through the logstore security group (as the own nodes are).
  access_policies = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "es:ESHttp*"
      Resource  = "arn:aws:es:${var.region}:${data.aws_caller_identity.this.account_id}:domain/${var.name}-logs/*"
    }]
  })
  lifecycle {
    precondition {
      condition     = var.log_store.members % length(local.cluster_subnets) == 0
      error_message = "OpenSearch Service needs a number of nodes (log_store.members) that is a multiple of the zones it spreads over (the first 3 private subnets)."
    }
  }
}
