# The platform node image: Debian 12 with the toolchains, the platform at /opt/platform built by
# the same bootstrap a developer runs, and the platform-node systemd unit. One image for every
# role; the role comes at first boot from terraform's user data. Build with packer/build.sh.

packer {
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = "~> 1.3"
    }
  }
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "instance_type" {
  type    = string
  # Building Consul and Filebeat from source wants cores and memory; nodes can be smaller.
  default = "c6i.xlarge"
}

variable "source_tarball" {
  type        = string
  description = "The platform source made by packer/build.sh (git archive of one commit)."
}

variable "platform_version" {
  type        = string
  description = "git describe of that commit; tags the image."
}

source "amazon-ebs" "node" {
  region        = var.region
  instance_type = var.instance_type
  ssh_username  = "admin"
  ami_name      = "platform-node-${var.platform_version}-{{timestamp}}"
  source_ami_filter {
    # Debian's own images.
    owners      = ["136693071363"]
    most_recent = true
    filters = {
      name                = "debian-12-amd64-*"
      architecture        = "x86_64"
      virtualization-type = "hvm"
      root-device-type    = "ebs"
    }
  }
  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_size           = 30
    volume_type           = "gp3"
    delete_on_termination = true
  }
  tags = {
    Name             = "platform-node"
    platform_version = var.platform_version
  }
}

build {
  sources = ["source.amazon-ebs.node"]

  provisioner "file" {
    source      = var.source_tarball
    destination = "/tmp/platform-src.tar.gz"
  }

  provisioner "file" {
    source      = "${path.root}/scripts/provision-node.sh"
    destination = "/tmp/provision-node.sh"
  }

  provisioner "shell" {
    inline = ["sudo bash /tmp/provision-node.sh /tmp/platform-src.tar.gz", "rm -f /tmp/platform-src.tar.gz /tmp/provision-node.sh"]
  }
}
