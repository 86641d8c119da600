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

variable "stateful_services" {
  type        = string
  default     = "nodes"
  description = "Who runs Kafka and the log store: \"nodes\", the platform's own kafka and logstore nodes (platform node, the same code as locally), or \"managed\", Amazon MSK and Amazon OpenSearch Service. Either way terraform fills KAFKA_BROKERS and LOG_STORE_URL."
  validation {
    condition     = contains(["nodes", "managed"], var.stateful_services)
    error_message = "stateful_services must be \"nodes\" or \"managed\"."
  }
}

variable "kafka" {
  type = object({
    members               = optional(number, 3)
    instance_type         = optional(string, "m6i.large")
    volume_gb             = optional(number, 200)
    heap_mb               = optional(number, 2048)
    managed_instance_type = optional(string, "kafka.m5.large")
    managed_version       = optional(string, "3.9.x")
  })
  default     = {}
  description = "The Kafka cluster: members (brokers; on own nodes also the KRaft quorum, so 3 or 5), their data volume, and for stateful_services = \"managed\" MSK's broker type and version."
  validation {
    condition     = contains([3, 5], var.kafka.members)
    error_message = "kafka.members must be 3 or 5: topics keep 3 copies and a quorum needs a majority."
  }
}

variable "log_store" {
  type = object({
    members               = optional(number, 3)
    instance_type         = optional(string, "r6i.large")
    volume_gb             = optional(number, 200)
    heap                  = optional(string, "4g")
    retention_days        = optional(number, 7)
    managed_instance_type = optional(string, "r6g.large.search")
    managed_version       = optional(string, "OpenSearch_2.19")
  })
  default     = {}
  description = "The log store (OpenSearch): members, their data volume and JVM heap, how long daily indices are kept, and for stateful_services = \"managed\" OpenSearch Service's instance type and version."
  validation {
    condition     = var.log_store.members >= 3 && var.log_store.members % 2 == 1
    error_message = "log_store.members must be odd and at least 3: electing a cluster manager needs a majority."
  }
}

variable "gateway_api_keys_json" {
  type        = string
  sensitive   = true
  description = "The gateway's API key file ({\"keys\":[{\"clientId\",\"sha256\"}]}): hashes only."
}

variable "gateway_jwt" {
  type        = object({ issuer = string, audience = string, clock_tolerance_ms = optional(number, 5000) })
  description = "Who signs the JWTs the gateway accepts (iss), for whom (aud), and the clock tolerance for exp/nbf; the HS256 secret is generated here. Edge nodes get them as GATEWAY_JWT_SETTINGS_FILE, which the gateway follows while running."
  validation {
    # What the edge's JWT map can carry (services/gateway/src/edge/edge-maps.ts, MAP_SAFE).
    condition     = alltrue([for value in [var.gateway_jwt.issuer, var.gateway_jwt.audience] : can(regex("^[!-:<-\\[\\]-~]{1,512}$", value))])
    error_message = "gateway_jwt.issuer and gateway_jwt.audience must be 1-512 printable ASCII characters without spaces, semicolons or backslashes."
  }
  validation {
    condition     = var.gateway_jwt.clock_tolerance_ms >= 0 && var.gateway_jwt.clock_tolerance_ms <= 300000 && floor(var.gateway_jwt.clock_tolerance_ms) == var.gateway_jwt.clock_tolerance_ms
    error_message = "gateway_jwt.clock_tolerance_ms must be a whole number of milliseconds from 0 to 300000."
  }
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
