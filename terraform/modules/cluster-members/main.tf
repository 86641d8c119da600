# A fixed set of members of one stateful cluster (Kafka brokers, log store nodes): each with a
# network interface made first, so every member's address is known before any machine boots and
# goes into every member's environment (the quorum, the seed hosts), and an EBS data volume in its
# subnet's zone that outlives the machine. Members are spread over the subnets in turn. A new image
# never replaces a member: upgrade in place, one at a time.
variable "name" { type = string }
variable "role" { type = string }
variable "members" {
  type        = number
  description = "How many members (3 or 5: a majority survives the loss of 1 or 2)."
}
variable "image_id" { type = string }
variable "instance_type" { type = string }
variable "subnet_ids" { type = list(string) }
variable "security_group_ids" { type = list(string) }
variable "instance_profile" { type = string }
variable "volume_gb" { type = number }
variable "data_dir" {
  type        = string
  description = "Where first boot mounts the data volume (PLATFORM_DATA_DIR)."
}
variable "env" {
  type        = map(string)
  description = "The node environment every member shares."
}
variable "member_id_variable" {
  type        = string
  default     = ""
  description = "A variable set to the member's number (1..members) on each, e.g. KAFKA_NODE_ID; empty for none."
}
variable "peers" {
  type        = object({ variable = string, port = number, with_id = bool })
  description = "A variable listing every member as <address>:<port> (with_id: <number>@<address>:<port>)."
}
variable "names_variable" {
  type        = string
  default     = ""
  description = "A variable listing every member's node name; empty for none."
}
variable "user_data_template" { type = string }
variable "ssm_prefix" { type = string }
variable "region" { type = string }

data "aws_subnet" "member" {
  count = var.members
  id    = var.subnet_ids[count.index % length(var.subnet_ids)]
}

locals {
  names = [for i in range(var.members) : "${var.role}-${i + 1}"]
  ips   = aws_network_interface.member[*].private_ip
  cluster_env = merge(
    { (var.peers.variable) = join(",", [for i, ip in local.ips : var.peers.with_id ? "${i + 1}@${ip}:${var.peers.port}" : "${ip}:${var.peers.port}"]) },
    var.names_variable == "" ? {} : { (var.names_variable) = join(",", local.names) },
  )
}

resource "aws_network_interface" "member" {
  count           = var.members
  subnet_id       = data.aws_subnet.member[count.index].id
  security_groups = var.security_group_ids
  tags            = { Name = "${var.name}-${local.names[count.index]}" }
}

resource "aws_ebs_volume" "data" {
  count             = var.members
  availability_zone = data.aws_subnet.member[count.index].availability_zone
  size              = var.volume_gb
  type              = "gp3"
  encrypted         = true
  tags              = { Name = "${var.name}-${local.names[count.index]}-data" }
}

resource "aws_instance" "member" {
  count                = var.members
  ami                  = var.image_id
  instance_type        = var.instance_type
  iam_instance_profile = var.instance_profile
  user_data = templatefile(var.user_data_template, {
    role      = var.role
    node_name = local.names[count.index]
    env = merge(var.env, local.cluster_env, {
      PLATFORM_DATA_DIR    = var.data_dir
      PLATFORM_DATA_VOLUME = aws_ebs_volume.data[count.index].id
    }, var.member_id_variable == "" ? {} : { (var.member_id_variable) = tostring(count.index + 1) })
    ssm_prefix = var.ssm_prefix
    region     = var.region
  })
  network_interface {
    network_interface_id = aws_network_interface.member[count.index].id
    device_index         = 0
  }
  metadata_options {
    http_tokens = "required"
  }
  tags = { Name = "${var.name}-${local.names[count.index]}", "${var.name}-role" = var.role }
  lifecycle {
    ignore_changes = [ami, user_data]
  }
}

# First boot waits for this volume (by its id) before it mounts it at data_dir.
resource "aws_volume_attachment" "data" {
  count       = var.members
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.data[count.index].id
  instance_id = aws_instance.member[count.index].id
}

output "private_ips" {
  value = local.ips
}

output "names" {
  value = local.names
}
