# The database nodes: each runs one Patroni and the PostgreSQL it manages, a member of one cluster
# whose leader lock lives in Consul. The nodes are alike (any may lead; Patroni makes the others
# replicas of the leader), but each keeps a stable name, its member name and replication slot, so
# they are instances of their own rather than a pool, and a new image never replaces one.
locals {
  database_names = [for i in range(var.database_replicas + 1) : "db-${i + 1}"]
  database_env = merge(local.common_env, {
    POSTGRES_PORT            = "5432"
    POSTGRES_ROLE_CHECK_PORT = "8008"
    POSTGRES_PATRONI_PORT    = "8009"
    POSTGRES_SYNCHRONOUS     = var.database_synchronous ? "on" : "off"
    POSTGRES_CLIENT_CIDRS    = data.aws_vpc.this.cidr_block
    POSTGRES_TLS_CERT_FILE   = "/var/lib/platform/postgres/secrets/tls-cert.pem"
    POSTGRES_TLS_KEY_FILE    = "/var/lib/platform/postgres/secrets/tls-key.pem"
  })
}

resource "aws_instance" "database" {
  count                  = length(local.database_names)
  ami                    = var.image_id
  instance_type          = var.instance_types.database
  subnet_id              = var.private_subnet_ids[count.index % length(var.private_subnet_ids)]
  vpc_security_group_ids = local.role_sg_ids["database"]
  iam_instance_profile   = aws_iam_instance_profile.node["database"].name
  user_data = templatefile("${path.module}/templates/user-data.sh.tftpl", {
    role       = "database"
    node_name  = local.database_names[count.index]
    env        = local.database_env
    ssm_prefix = local.ssm_prefix
    region     = var.region
  })
  metadata_options {
    http_tokens = "required"
  }
  root_block_device {
    volume_size = var.database_volume_gb
    volume_type = "gp3"
  }
  tags = { Name = "${var.name}-${local.database_names[count.index]}", "${var.name}-role" = "database" }
  lifecycle {
    # A new image must not replace a database node: upgrade it in place.
    ignore_changes = [ami, user_data]
  }
  depends_on = [aws_ssm_parameter.secret]
}

# The earlier layout's addresses of the same machines: applying this keeps them (no replacement).
moved {
  from = aws_instance.database_primary
  to   = aws_instance.database[0]
}

moved {
  from = aws_instance.database_replica[0]
  to   = aws_instance.database[1]
}

moved {
  from = aws_instance.database_replica[1]
  to   = aws_instance.database[2]
}
