# A pool of identical platform nodes of one role: a launch template of the node image with the
# role's first-boot user data, and an auto scaling group. Scaling the pool is changing `size`.
variable "name" { type = string }
variable "role" { type = string }
variable "image_id" { type = string }
variable "instance_type" { type = string }
variable "subnet_ids" { type = list(string) }
variable "security_group_ids" { type = list(string) }
variable "instance_profile" { type = string }
variable "user_data" {
  type        = string
  description = "Rendered templates/user-data.sh.tftpl."
}
variable "size" { type = object({ min = number, desired = number, max = number }) }
variable "target_group_arns" {
  type    = list(string)
  default = []
}
variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_launch_template" "this" {
  name_prefix            = "${var.name}-${var.role}-"
  image_id               = var.image_id
  instance_type          = var.instance_type
  vpc_security_group_ids = var.security_group_ids
  user_data              = base64encode(var.user_data)
  iam_instance_profile {
    name = var.instance_profile
  }
  metadata_options {
    http_tokens = "required"
  }
  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = "${var.name}-${var.role}", "${var.name}-role" = var.role })
  }
}

resource "aws_autoscaling_group" "this" {
  name                = "${var.name}-${var.role}"
  min_size            = var.size.min
  desired_capacity    = var.size.desired
  max_size            = var.size.max
  vpc_zone_identifier = var.subnet_ids
  target_group_arns   = var.target_group_arns
  # A replaced node drains first: systemd stops platform-node, which deregisters and drains.
  default_instance_warmup = 60
  launch_template {
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }
  instance_refresh {
    strategy = "Rolling"
    preferences {
      min_healthy_percentage = 66
    }
  }
}

output "autoscaling_group" {
  value = aws_autoscaling_group.this.name
}
