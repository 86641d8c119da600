data "aws_vpc" "this" {
  id = var.vpc_id
}

# One security group per node role, and "cluster" on every node. Each port is open only from the
# nodes that use it (tests/unit/terraform-network.test.ts checks the Consul ones):
# - Consul serf LAN (8301 tcp+udp) among all nodes: every agent gossips with every other;
# - Consul RPC (8300) only into consul-servers, from all nodes (clients forward to servers);
# - Consul's HTTP API (8500) and DNS (8600) stay on each node's loopback: no rule names them;
# - service instances (ports 10000-32767, drawn below the kernel's ephemeral range) from the
#   service nodes' own load balancers and the edge HAProxy; that range on every node from
#   Prometheus, which scrapes each kit process (instances, controllers, role checks);
# - PostgreSQL (5432) and its role check (8008) from service nodes (their database HAProxy),
#   the other database nodes (replication) and, for the role check, Prometheus.
locals {
  node_roles       = ["consul-server", "service", "edge", "database", "monitoring"]
  instance_ports   = { from = 10000, to = 32767 }
  cluster_sg       = aws_security_group.cluster.id
  role_sg          = { for role in local.node_roles : role => aws_security_group.role[role].id }
  role_sg_ids      = { for role in local.node_roles : role => [local.cluster_sg, local.role_sg[role]] }
  instance_callers = ["service", "edge"]
  edge_ports       = { http = 80, https = 443 }
  edge_callers     = toset(distinct(concat(var.public_ingress_cidrs, [data.aws_vpc.this.cidr_block])))
  monitoring_ports = { prometheus = 9090, alertmanager = 9095 }
  database_callers = { postgres = ["service", "database"], role_check = ["service", "database", "monitoring"] }
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
  security_group_id = local.cluster_sg
  description       = "SSM, EC2 auto-join, Kafka, the log store and the other nodes"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "consul_serf_tcp" {
  security_group_id            = local.cluster_sg
  referenced_security_group_id = local.cluster_sg
  description                  = "Consul serf LAN among all nodes (tcp)"
  ip_protocol                  = "tcp"
  from_port                    = 8301
  to_port                      = 8301
}

resource "aws_vpc_security_group_ingress_rule" "consul_serf_udp" {
  security_group_id            = local.cluster_sg
  referenced_security_group_id = local.cluster_sg
  description                  = "Consul serf LAN among all nodes (udp)"
  ip_protocol                  = "udp"
  from_port                    = 8301
  to_port                      = 8301
}

resource "aws_vpc_security_group_ingress_rule" "consul_rpc" {
  security_group_id            = local.role_sg["consul-server"]
  referenced_security_group_id = local.cluster_sg
  description                  = "Consul RPC from every agent to the servers"
  ip_protocol                  = "tcp"
  from_port                    = 8300
  to_port                      = 8300
}

resource "aws_vpc_security_group_ingress_rule" "service_instances" {
  for_each                     = toset(local.instance_callers)
  security_group_id            = local.role_sg["service"]
  referenced_security_group_id = local.role_sg[each.key]
  description                  = "service instances from ${each.key} nodes"
  ip_protocol                  = "tcp"
  from_port                    = local.instance_ports.from
  to_port                      = local.instance_ports.to
}

resource "aws_vpc_security_group_ingress_rule" "metrics_scrape" {
  security_group_id            = local.cluster_sg
  referenced_security_group_id = local.role_sg["monitoring"]
  description                  = "Prometheus scraping every node's kit processes"
  ip_protocol                  = "tcp"
  from_port                    = local.instance_ports.from
  to_port                      = local.instance_ports.to
}

resource "aws_vpc_security_group_ingress_rule" "postgres" {
  for_each                     = toset(local.database_callers.postgres)
  security_group_id            = local.role_sg["database"]
  referenced_security_group_id = local.role_sg[each.key]
  description                  = "PostgreSQL from ${each.key} nodes"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_vpc_security_group_ingress_rule" "postgres_role_check" {
  for_each                     = toset(local.database_callers.role_check)
  security_group_id            = local.role_sg["database"]
  referenced_security_group_id = local.role_sg[each.key]
  description                  = "PostgreSQL role check from ${each.key} nodes"
  ip_protocol                  = "tcp"
  from_port                    = 8008
  to_port                      = 8008
}

# The edge HAProxy is the one public entry; the network load balancer keeps callers' addresses,
# and checks the targets' health from its own addresses inside the VPC.
resource "aws_vpc_security_group_ingress_rule" "edge_http" {
  for_each          = local.edge_callers
  security_group_id = local.role_sg["edge"]
  description       = "callers of the API gateway (http)"
  ip_protocol       = "tcp"
  cidr_ipv4         = each.value
  from_port         = local.edge_ports.http
  to_port           = local.edge_ports.http
}

resource "aws_vpc_security_group_ingress_rule" "edge_https" {
  for_each          = local.edge_callers
  security_group_id = local.role_sg["edge"]
  description       = "callers of the API gateway (https)"
  ip_protocol       = "tcp"
  cidr_ipv4         = each.value
  from_port         = local.edge_ports.https
  to_port           = local.edge_ports.https
}

# Prometheus and Alertmanager: only from the operators' networks given (none by default).
resource "aws_vpc_security_group_ingress_rule" "prometheus" {
  for_each          = toset(var.monitoring_ingress_cidrs)
  security_group_id = local.role_sg["monitoring"]
  description       = "operators reading Prometheus"
  ip_protocol       = "tcp"
  cidr_ipv4         = each.value
  from_port         = local.monitoring_ports.prometheus
  to_port           = local.monitoring_ports.prometheus
}

resource "aws_vpc_security_group_ingress_rule" "alertmanager" {
  for_each          = toset(var.monitoring_ingress_cidrs)
  security_group_id = local.role_sg["monitoring"]
  description       = "operators reading Alertmanager"
  ip_protocol       = "tcp"
  cidr_ipv4         = each.value
  from_port         = local.monitoring_ports.alertmanager
  to_port           = local.monitoring_ports.alertmanager
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
