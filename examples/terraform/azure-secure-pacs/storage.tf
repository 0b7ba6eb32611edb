resource "azurerm_storage_account" "archive" {
  name                     = "${var.prefix}archive"
  resource_group_name      = azurerm_resource_group.pacs.name
  location                 = azurerm_resource_group.pacs.location
  account_tier             = "Standard"
  account_replication_type = "GRS"

  enable_https_traffic_only       = true
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false
  shared_access_key_enabled       = false
  public_network_access_enabled   = false

  network_rules {
    default_action = "Deny"
    bypass         = ["AzureServices"]
  }
}

resource "azurerm_storage_container" "studies" {
  name                  = "studies"
  storage_account_name  = azurerm_storage_account.archive.name
  container_access_type = "private"
}

resource "azurerm_private_endpoint" "archive" {
  name                = "pe-${var.prefix}-archive"
  location            = azurerm_resource_group.pacs.location
  resource_group_name = azurerm_resource_group.pacs.name
  subnet_id           = azurerm_subnet.pacs.id

  private_service_connection {
    name                           = "archive-blob"
    private_connection_resource_id = azurerm_storage_account.archive.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }
}
