variable "name" {
  type        = string
  description = "Name of this platform; prefixes every resource, tags every node, roots the SSM parameters."
  default     = "platform"
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "vpc_id" {
  type = string
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Where every node runs (spread across zones)."
}

variable "public_subnet_ids" {
  type        = list(string)
  description = "Where the public network load balancer in front of the edge nodes listens."
}

variable "image_id" {
  type        = string
  description = "The node image packer/build.sh made (one image for every role)."
}

variable "consul_servers" {
  type        = number
  default     = 3
  description = "3 or 5: a quorum survives the loss of 1 or 2."
}

variable "service_nodes" {
  type    = object({ min = number, desired = number, max = number })
  default = { min = 2, desired = 3, max = 10 }
}

variable "services" {
  type        = string
  default     = "users=2,orders=2"
  description = "Instances of each service on every service node (PLATFORM_SERVICES); the gateway runs on the edge nodes instead."
  validation {
    condition     = !contains([for entry in split(",", var.services) : trimspace(split("=", entry)[0])], "gateway")
    error_message = "The gateway runs on the edge nodes, beside the edge HAProxy whose maps it fills: remove it from services."
  }
}

variable "edge_nodes" {
  type    = number
  default = 2
}

variable "database_replicas" {
  type        = number
  default     = 2
  description = "Database nodes beyond the first: the cluster has this many + 1 members, one leads."
}

variable "database_synchronous" {
  type        = bool
  default     = true
  description = "Patroni's synchronous_mode: a commit waits for a synchronous standby, so an acknowledged write survives the loss of the leader."
}

variable "max_replica_lag_ms" {
  type        = number
  default     = 500
  description = "A replica further behind leaves the read set of every database HAProxy."
}

variable "instance_types" {
  type    = object({ consul = string, service = string, edge = string, database = string, monitoring = string })
  default = { consul = "t3.small", service = "c6i.large", edge = "c6i.large", database = "r6i.large", monitoring = "t3.medium" }
}

variable "database_volume_gb" {
  type    = number
  default = 100
}

variable "public_ingress_cidrs" {
  type        = list(string)
  default     = ["0.0.0.0/0"]
  description = "Who may call the API gateway through the edge."
}

variable "monitoring_ingress_cidrs" {
  type        = list(string)
  default     = []
  description = "Operators' networks that may reach Prometheus (9090) and Alertmanager (9095) on the monitoring node; none by default."
}

variable "edge_tls" {
  type        = object({ cert = string, key = string })
  sensitive   = true
  default     = { cert = "", key = "" }
  description = "PEM certificate (with its chain) and key the edge serves on 443; empty: a self-signed one for the load balancer's name. Kept in SSM."
}

variable "kafka_brokers" {
  type        = string
  description = "host:port list of the Kafka cluster the services publish to (KAFKA_BROKERS)."
}

variable "log_store_url" {
  type        = string
  description = "Elasticsearch 7.x or OpenSearch endpoint Filebeat ships to (LOG_STORE_URL)."
}

variable "gateway_api_keys_json" {
  type        = string
  sensitive   = true
  description = "The gateway's API key file ({\"keys\":[{\"clientId\",\"sha256\"}]}): hashes only."
}

variable "gateway_jwt" {
  type        = object({ issuer = string, audience = string })
  description = "Who signs the JWTs the gateway accepts; the HS256 secret is generated here."
}

variable "alert_webhook_url" {
  type        = string
  sensitive   = true
  default     = ""
  description = "Receives Alertmanager's notifications (firing and resolved) as its webhook JSON; kept in SSM. Empty: alerts are only listed (platform alerts)."
}

variable "metrics_retention" {
  type        = string
  default     = "15d"
  description = "How long the monitoring node keeps metrics (PROMETHEUS_RETENTION: 36h, 15d, 2w)."
}
