# Consul's secrets: the gossip key (serf encryption), the CA that signs the servers' RPC
# certificates (clients get theirs through auto_encrypt and need only the CA certificate), the
# management token of ACL bootstrap, and one token per platform role and per service. Consul
# servers create the tokens in Consul with these secret IDs; every other node reads only its own.
resource "random_bytes" "consul_gossip_key" {
  length = 32
}

resource "tls_private_key" "consul_ca" {
  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

resource "tls_self_signed_cert" "consul_ca" {
  private_key_pem       = tls_private_key.consul_ca.private_key_pem
  is_ca_certificate     = true
  validity_period_hours = 24 * 365 * 5
  allowed_uses          = ["cert_signing", "crl_signing", "digital_signature"]
  subject {
    common_name = "Consul CA ${var.name}"
  }
}

resource "random_uuid" "consul_management_token" {}

locals {
  # Service names of var.services ("users=2,orders=2"): each gets a token for its own name only
  # (the gateway, on the edge nodes, has its role token `gateway`).
  service_names = [for entry in split(",", var.services) : trimspace(split("=", entry)[0])]
  consul_token_names = concat(
    ["agent", "lb-controller", "gateway", "monitoring", "postgres", "patroni", "flags-writer", "reader"],
    [for service in local.service_names : "service-${service}"],
  )
  consul_secrets = merge(
    {
      "consul/gossip-key"       = random_bytes.consul_gossip_key.base64
      "consul/ca-cert"          = tls_self_signed_cert.consul_ca.cert_pem
      "consul/ca-key"           = tls_private_key.consul_ca.private_key_pem
      "consul/management-token" = random_uuid.consul_management_token.result
    },
    { for name, token in random_uuid.consul_token : "consul/tokens/${name}" => token.result },
  )
}

resource "random_uuid" "consul_token" {
  for_each = toset(local.consul_token_names)
}
