# What a node may do: find the Consul servers by tag (cloud auto-join) and read its own secrets.
# One role and instance profile per node role; each reads only the SSM parameters below (under
# local.ssm_prefix), the ones platform-first-boot copies for that role, and nothing else.
# tests/unit/terraform-iam.test.ts holds both to this table. Every node has the `reader` token:
# the CLI's read commands (platform status, db status, flags get/list) run with it on any node.
locals {
  role_parameters = {
    consul-server = [
      "consul/gossip-key", "consul/ca-cert", "consul/tokens/agent", "consul/tokens/reader",
      "consul/ca-key", "consul/management-token", "consul/tokens/*",
    ]
    service = [
      "consul/gossip-key", "consul/ca-cert", "consul/tokens/agent", "consul/tokens/reader",
      "consul/tokens/lb-controller", "consul/tokens/service-*",
      "postgres/app", "postgres/tls-cert",
    ]
    # The gateway's control plane runs on the edge nodes, beside the edge HAProxy it feeds.
    edge = [
      "consul/gossip-key", "consul/ca-cert", "consul/tokens/agent", "consul/tokens/reader",
      "consul/tokens/lb-controller", "edge/tls-cert", "edge/tls-key",
      "consul/tokens/gateway", "gateway/api-keys", "gateway/jwt-secret", "gateway/jwt-settings",
    ]
    database = [
      "consul/gossip-key", "consul/ca-cert", "consul/tokens/agent", "consul/tokens/reader",
      "consul/tokens/postgres", "consul/tokens/patroni", "postgres/admin", "postgres/app", "postgres/replicator", "postgres/monitor",
      "postgres/rest-api",
      "postgres/tls-cert", "postgres/tls-key",
    ]
    monitoring = [
      "consul/gossip-key", "consul/ca-cert", "consul/tokens/agent", "consul/tokens/reader",
      "consul/tokens/monitoring", "alerting/webhook-url",
    ]
    # A Consul agent each (and the read-only token): the brokers and the log store hold no secret of their own.
    kafka    = ["consul/gossip-key", "consul/ca-cert", "consul/tokens/agent", "consul/tokens/reader"]
    logstore = ["consul/gossip-key", "consul/ca-cert", "consul/tokens/agent", "consul/tokens/reader"]
  }
}

data "aws_caller_identity" "this" {}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "node" {
  for_each = local.role_parameters
  statement {
    actions   = ["ec2:DescribeInstances"]
    resources = ["*"]
  }
  statement {
    actions   = ["ssm:GetParameter"]
    resources = [for parameter in each.value : "arn:aws:ssm:${var.region}:${data.aws_caller_identity.this.account_id}:parameter${local.ssm_prefix}/${parameter}"]
  }
}

resource "aws_iam_role" "node" {
  for_each           = local.role_parameters
  name               = "${var.name}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "node" {
  for_each = local.role_parameters
  role     = aws_iam_role.node[each.key].id
  policy   = data.aws_iam_policy_document.node[each.key].json
}

resource "aws_iam_instance_profile" "node" {
  for_each = local.role_parameters
  name     = "${var.name}-${each.key}"
  role     = aws_iam_role.node[each.key].name
}
