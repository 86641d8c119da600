data "aws_vpc" "this" {
  id = var.vpc_id
}

# One security group per node role, and "cluster" on every node. Each port is open only from the
# nodes that use it; every ingress rule is a row below (tests/unit/terraform-network.test.ts reads them):
# - Consul serf LAN (8301 tcp+udp) among all nodes: every agent gossips with every other;
# - Consul RPC (8300) only into consul-servers, from all nodes (clients forward to servers);
# - Consul's HTTP API (8500) and DNS (8600) stay on each node's loopback: no rule names them;
# - service instances (ports 10000-32767, drawn below the kernel's ephemeral range) from the
#   service nodes' own load balancers and the edge nodes' HAProxy (edge, and the internal one
#   the gateway fetches /docs documents through); on edge nodes from the other edge nodes (an
#   edge sends /docs to any node's gateway instance); the edge HAProxy's peers port (8090)
#   on edge nodes from the other edge nodes only (their shared per-client table); that range on every node from
#   Prometheus, which scrapes each kit process (instances, controllers, role checks);
# - PostgreSQL (5432) and its role check (8008) from service nodes (their database HAProxy),
#   the other database nodes (replication, pg_rewind) and, for the role check, Prometheus;
#   Patroni's REST API (8009) from the other database nodes (members ask each other before one
#   takes the lock) and Prometheus (its /metrics), from nothing else: it can switch the leader;
# - Kafka (9092) from the service nodes (producers, consumers) and Prometheus's cluster exporter;
#   between the platform's own kafka nodes also 9093 (the KRaft controller quorum); the log
#   store's HTTP API (9200 on own logstore nodes, 443 on OpenSearch Service) from Filebeat on
#   service and edge nodes, the service nodes (the platform logs command, retention) and the
#   exporter; OpenSearch's transport (9300) among logstore nodes only (cluster_group_rules, by
#   var.stateful_services; a managed cluster's interfaces are in the kafka or logstore group alone);
# - from address ranges: the edge's 80 and 443 (callers, and the load balancer's health checks
#   from inside the VPC), Prometheus and Alertmanager from the operators' networks only.
locals {
  node_roles = ["consul-server", "service", "edge", "database", "monitoring", "kafka", "logstore"]
  edge_ports = { http = 80, https = 443 }
  group_rules = {
    consul-serf-tcp            = { into = "cluster", from = "cluster", protocol = "tcp", from_port = 8301, to_port = 8301 }
    consul-serf-udp            = { into = "cluster", from = "cluster", protocol = "udp", from_port = 8301, to_port = 8301 }
    consul-rpc                 = { into = "consul-server", from = "cluster", protocol = "tcp", from_port = 8300, to_port = 8300 }
    instances-from-service     = { into = "service", from = "service", protocol = "tcp", from_port = 10000, to_port = 32767 }
    instances-from-edge        = { into = "service", from = "edge", protocol = "tcp", from_port = 10000, to_port = 32767 }
    gateway-from-edge          = { into = "edge", from = "edge", protocol = "tcp", from_port = 10000, to_port = 32767 }
    edge-peers                 = { into = "edge", from = "edge", protocol = "tcp", from_port = 8090, to_port = 8090 }
    metrics-scrape             = { into = "cluster", from = "monitoring", protocol = "tcp", from_port = 10000, to_port = 32767 }
    postgres-from-service      = { into = "database", from = "service", protocol = "tcp", from_port = 5432, to_port = 5432 }
    postgres-from-database     = { into = "database", from = "database", protocol = "tcp", from_port = 5432, to_port = 5432 }
    role-check-from-service    = { into = "database", from = "service", protocol = "tcp", from_port = 8008, to_port = 8008 }
    role-check-from-database   = { into = "database", from = "database", protocol = "tcp", from_port = 8008, to_port = 8008 }
    role-check-from-monitoring = { into = "database", from = "monitoring", protocol = "tcp", from_port = 8008, to_port = 8008 }
    patroni-from-database      = { into = "database", from = "database", protocol = "tcp", from_port = 8009, to_port = 8009 }
    patroni-from-monitoring    = { into = "database", from = "monitoring", protocol = "tcp", from_port = 8009, to_port = 8009 }
    traces-to-monitoring       = { into = "monitoring", from = "cluster", protocol = "tcp", from_port = 4318, to_port = 4318 }
  }
  cluster_group_rules = {
    nodes = {
      kafka-from-service       = { into = "kafka", from = "service", protocol = "tcp", from_port = 9092, to_port = 9092 }
      kafka-from-monitoring    = { into = "kafka", from = "monitoring", protocol = "tcp", from_port = 9092, to_port = 9092 }
      kafka-from-kafka         = { into = "kafka", from = "kafka", protocol = "tcp", from_port = 9092, to_port = 9093 }
      logstore-from-service    = { into = "logstore", from = "service", protocol = "tcp", from_port = 9200, to_port = 9200 }
      logstore-from-edge       = { into = "logstore", from = "edge", protocol = "tcp", from_port = 9200, to_port = 9200 }
      logstore-from-monitoring = { into = "logstore", from = "monitoring", protocol = "tcp", from_port = 9200, to_port = 9200 }
      logstore-transport       = { into = "logstore", from = "logstore", protocol = "tcp", from_port = 9300, to_port = 9300 }
    }
    managed = {
      kafka-from-service       = { into = "kafka", from = "service", protocol = "tcp", from_port = 9092, to_port = 9092 }
      kafka-from-monitoring    = { into = "kafka", from = "monitoring", protocol = "tcp", from_port = 9092, to_port = 9092 }
      logstore-from-service    = { into = "logstore", from = "service", protocol = "tcp", from_port = 443, to_port = 443 }
      logstore-from-edge       = { into = "logstore", from = "edge", protocol = "tcp", from_port = 443, to_port = 443 }
      logstore-from-monitoring = { into = "logstore", from = "monitoring", protocol = "tcp", from_port = 443, to_port = 443 }
    }
  }
  # `ranges` names a list of local.address_ranges.
  address_rules = {
    edge-http    = { into = "edge", ranges = "callers", port = 80 }
    edge-https   = { into = "edge", ranges = "callers", port = 443 }
    prometheus   = { into = "monitoring", ranges = "operators", port = 9090 }
    alertmanager = { into = "monitoring", ranges = "operators", port = 9095 }
  }
  address_ranges = {
    callers   = distinct(concat(var.public_ingress_cidrs, [data.aws_vpc.this.cidr_block]))
    operators = var.monitoring_ingress_cidrs
  }
  groups      = merge({ cluster = aws_security_group.cluster.id }, { for role in local.node_roles : role => aws_security_group.role[role].id })
  role_sg_ids = { for role in local.node_roles : role => [local.groups.cluster, local.groups[role]] }
}

resource "aws_security_group" "cluster" {
  name        = "${var.name}-cluster"
  description = "every platform node"
  vpc_id      = var.vpc_id
}

resource "aws_security_group" "role" {
  for_each    = toset(local.node_roles)
  name        = "${var.name}-${each.key}"
  description = "platform ${each.key} nodes"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_egress_rule" "cluster" {
  security_group_id = local.groups.cluster
  description       = "SSM, EC2 auto-join, Kafka, the log store and the other nodes"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "group" {
  for_each                     = merge(local.group_rules, local.cluster_group_rules[var.stateful_services])
  security_group_id            = local.groups[each.value.into]
  referenced_security_group_id = local.groups[each.value.from]
  description                  = each.key
  ip_protocol                  = each.value.protocol
  from_port                    = each.value.from_port
  to_port                      = each.value.to_port
}

resource "aws_vpc_security_group_ingress_rule" "address" {
  for_each = merge([
    for name, rule in local.address_rules : { for cidr in local.address_ranges[rule.ranges] : "${name} ${cidr}" => merge(rule, { cidr = cidr }) }
  ]...)
  security_group_id = local.groups[each.value.into]
  cidr_ipv4         = each.value.cidr
  description       = each.key
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
}

resource "aws_lb" "edge" {
  name               = "${var.name}-edge"
  load_balancer_type = "network"
  subnets            = var.public_subnet_ids
}

# Plain TCP on both ports: the edge HAProxy itself terminates TLS on 443 (edge/tls-cert).
resource "aws_lb_target_group" "edge" {
  for_each = local.edge_ports
  name     = "${var.name}-edge-${each.key}"
  port     = each.value
  protocol = "TCP"
  vpc_id   = var.vpc_id
  health_check {
    protocol = "TCP"
    interval = 10
  }
}

resource "aws_lb_listener" "edge" {
  for_each          = local.edge_ports
  load_balancer_arn = aws_lb.edge.arn
  port              = each.value
  protocol          = "TCP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.edge[each.key].arn
  }
}
