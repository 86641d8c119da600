# Every password is generated here and kept in SSM Parameter Store as a SecureString; nodes read
# theirs at first boot (platform-first-boot) into 0600 files. None is in user data or outputs.
resource "random_password" "postgres" {
  for_each = toset(["admin", "app", "replicator", "monitor"])
  length   = 32
  special  = false
}

resource "random_password" "gateway_jwt" {
  length  = 48
  special = false
}

locals {
  ssm_prefix = "/${var.name}"
  secrets = merge(
    { for role, p in random_password.postgres : "postgres/${role}" => p.result },
    { "gateway/jwt-secret" = random_password.gateway_jwt.result, "gateway/api-keys" = var.gateway_api_keys_json },
  )
}

resource "aws_ssm_parameter" "secret" {
  for_each = nonsensitive(toset(keys(local.secrets)))
  name     = "${local.ssm_prefix}/${each.key}"
  type     = "SecureString"
  value    = local.secrets[each.key]
}
