data "aws_vpc" "this" {
  id = var.vpc_id
}

# Every node talks to every other inside the platform: Consul gossip and RPC, HAProxy to service
# instances (on ports they pick at start), PostgreSQL and its role checks.
resource "aws_security_group" "nodes" {
  name   = "${var.name}-nodes"
  vpc_id = var.vpc_id
  ingress {
    description = "platform nodes among themselves"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    self        = true
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# The edge HAProxy is the one public entry; the network load balancer keeps callers' addresses.
resource "aws_security_group" "edge" {
  name   = "${var.name}-edge"
  vpc_id = var.vpc_id
  ingress {
    description = "callers of the API gateway"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = var.public_ingress_cidrs
  }
}

resource "aws_lb" "edge" {
  name               = "${var.name}-edge"
  load_balancer_type = "network"
  subnets            = var.public_subnet_ids
}

resource "aws_lb_target_group" "edge" {
  name     = "${var.name}-edge"
  port     = 80
  protocol = "TCP"
  vpc_id   = var.vpc_id
  health_check {
    protocol = "TCP"
    interval = 10
  }
}

resource "aws_lb_listener" "edge" {
  load_balancer_arn = aws_lb.edge.arn
  port              = 80
  protocol          = "TCP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.edge.arn
  }
}
