# The database nodes have a stable identity (a replica is made from, and streams from, the
# primary's address; the primary keeps a slot per replica by name), so they are instances of their
# own rather than a pool: db-1 is created as the primary, db-2... as its replicas.
locals {
  replica_names = [for i in range(var.database_replicas) : "db-${i + 2}"]
  database_env = merge(local.common_env, {
    POSTGRES_PORT            = "5432"
    POSTGRES_ROLE_CHECK_PORT = "8008"
    POSTGRES_CLIENT_CIDRS    = data.aws_vpc.this.cidr_block
    POSTGRES_TLS_CERT_FILE   = "/var/lib/platform/postgres/secrets/tls-cert.pem"
    POSTGRES_TLS_KEY_FILE    = "/var/lib/platform/postgres/secrets/tls-key.pem"
  })
  replica_user_data = {
    for name in local.replica_names : name => templatefile("${path.module}/templates/user-data.sh.tftpl", {
      role       = "database"
      node_name  = name
      env        = merge(local.database_env, { POSTGRES_PRIMARY_ADDR = "${aws_instance.database_primary.private_ip}:5432" })
      ssm_prefix = local.ssm_prefix
      region     = var.region
    })
  }
}

resource "aws_instance" "database_primary" {
  ami                    = var.image_id
  instance_type          = var.instance_types.database
  subnet_id              = var.private_subnet_ids[0]
  vpc_security_group_ids = local.role_sg_ids["database"]
  iam_instance_profile   = aws_iam_instance_profile.node["database"].name
  user_data = templatefile("${path.module}/templates/user-data.sh.tftpl", {
    role       = "database"
    node_name  = "db-1"
    env        = merge(local.database_env, { POSTGRES_REPLICA_NAMES = join(",", local.replica_names) })
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
  tags = { Name = "${var.name}-db-1", "${var.name}-role" = "database" }
  lifecycle {
    # A new image must not replace a database node: upgrade it in place.
    ignore_changes = [ami, user_data]
  }
  depends_on = [aws_ssm_parameter.secret]
}

resource "aws_instance" "database_replica" {
  count                  = var.database_replicas
  ami                    = var.image_id
  instance_type          = var.instance_types.database
  subnet_id              = var.private_subnet_ids[(count.index + 1) % length(var.private_subnet_ids)]
  vpc_security_group_ids = local.role_sg_ids["database"]
  iam_instance_profile   = aws_iam_instance_profile.node["database"].name
  user_data              = local.replica_user_data[local.replica_names[count.index]]
  metadata_options {
    http_tokens = "required"
  }
  root_block_device {
    volume_size = var.database_volume_gb
    volume_type = "gp3"
  }
  tags = { Name = "${var.name}-${local.replica_names[count.index]}", "${var.name}-role" = "database" }
  lifecycle {
    ignore_changes = [ami, user_data]
  }
}
