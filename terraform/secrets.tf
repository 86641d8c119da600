# Every secret is generated here (or given as a sensitive variable) and kept in SSM Parameter Store
# as a SecureString under local.ssm_prefix; nodes read theirs at first boot (platform-first-boot)
# into 0600 files, and each role's instance profile may read only its own (iam.tf). None is in user
# data or outputs. The README's Security section lists them with who reads each.
resource "random_password" "postgres" {
  for_each = toset(["admin", "app", "replicator", "monitor", "rest-api"])
  length   = 32
  special  = false
}

resource "random_password" "gateway_jwt" {
  length  = 48
  special = false
}

# PostgreSQL's server certificate (database nodes serve hostssl with it). Clients reach the
# servers through their node's database HAProxy on 127.0.0.1, hence that address in the names.
resource "tls_private_key" "postgres" {
  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

resource "tls_self_signed_cert" "postgres" {
  private_key_pem       = tls_private_key.postgres.private_key_pem
  validity_period_hours = 24 * 365 * 5
  allowed_uses          = ["digital_signature", "key_encipherment", "server_auth"]
  dns_names             = ["postgres"]
  ip_addresses          = ["127.0.0.1"]
  subject {
    common_name = "${var.name} postgres"
  }
}

# The edge's certificate: the one given (var.edge_tls), else a self-signed one for the network
# load balancer's name.
resource "tls_private_key" "edge" {
  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

resource "tls_self_signed_cert" "edge" {
  private_key_pem       = tls_private_key.edge.private_key_pem
  validity_period_hours = 24 * 365
  allowed_uses          = ["digital_signature", "key_encipherment", "server_auth"]
  dns_names             = [aws_lb.edge.dns_name]
  subject {
    common_name = aws_lb.edge.dns_name
  }
}

locals {
  ssm_prefix = "/${var.name}"
  edge_given = nonsensitive(var.edge_tls.cert != "")
  secrets = merge(
    { for role, p in random_password.postgres : "postgres/${role}" => p.result },
    {
      "postgres/tls-cert"  = tls_self_signed_cert.postgres.cert_pem
      "postgres/tls-key"   = tls_private_key.postgres.private_key_pem
      "gateway/jwt-secret" = random_password.gateway_jwt.result
      # Not secret, but it travels the same way: a 0600 file on each edge node, never user data.
      "gateway/jwt-settings" = jsonencode({ issuer = var.gateway_jwt.issuer, audience = var.gateway_jwt.audience, clockToleranceMs = var.gateway_jwt.clock_tolerance_ms })
      "gateway/api-keys"     = var.gateway_api_keys_json
      "edge/tls-cert"        = local.edge_given ? var.edge_tls.cert : tls_self_signed_cert.edge.cert_pem
      "edge/tls-key"         = local.edge_given ? var.edge_tls.key : tls_private_key.edge.private_key_pem
    },
    local.consul_secrets,
  )
}

resource "aws_ssm_parameter" "secret" {
  for_each = nonsensitive(toset(keys(local.secrets)))
  name     = "${local.ssm_prefix}/${each.key}"
  type     = "SecureString"
  value    = local.secrets[each.key]
}
