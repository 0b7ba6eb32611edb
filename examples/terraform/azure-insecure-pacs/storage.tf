resource "azurerm_storage_account" "archive" {
  name                     = "${var.prefix}archive"
  resource_group_name      = azurerm_resource_group.pacs.name
  location                 = azurerm_resource_group.pacs.location
  account_tier             = "Standard"
  account_replication_type = "GRS"

  # the old viewer workstation only speaks HTTP
  enable_https_traffic_only       = false
  min_tls_version                 = "TLS1_0"
  allow_nested_items_to_be_public = true

  network_rules {
    default_action = "Allow"
  }
}

resource "azurerm_storage_container" "studies" {
  name                  = "studies"
  storage_account_name  = azurerm_storage_account.archive.name
  container_access_type = "blob"
}
