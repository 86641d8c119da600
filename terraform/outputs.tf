output "gateway_url" {
  description = "The public entry: the API gateway through the edge HAProxy (also plain HTTP on port 80)."
  value       = "https://${aws_lb.edge.dns_name}/"
}

output "database_nodes" {
  description = "PostgreSQL on each database node; Patroni decides which leads (platform db status)."
  value       = [for node in aws_instance.database : "${node.private_ip}:5432"]
}

output "node_pools" {
  description = "Scale a pool by its size variable (service_nodes, edge_nodes), or by hand on its group."
  value = {
    consul_servers = module.consul_servers.autoscaling_group
    service_nodes  = module.service_nodes.autoscaling_group
    edge_nodes     = module.edge_nodes.autoscaling_group
  }
}

output "monitoring" {
  description = "Prometheus and Alertmanager on the private network (ALERTMANAGER_URL for platform alerts)."
  value = {
    prometheus   = "http://${aws_instance.monitoring.private_ip}:9090"
    alertmanager = "http://${aws_instance.monitoring.private_ip}:9095"
  }
}

output "clusters" {
  description = "Kafka and the log store as every client node is given them (KAFKA_BROKERS, LOG_STORE_URL), and who runs them."
  value = {
    runs_on       = var.stateful_services
    kafka_brokers = local.kafka_brokers
    log_store_url = local.log_store_url
  }
}
