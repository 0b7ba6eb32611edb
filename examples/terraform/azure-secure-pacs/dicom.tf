resource "azurerm_healthcare_workspace" "imaging" {
  name                = "${var.prefix}ws"
  resource_group_name = azurerm_resource_group.pacs.name
  location            = azurerm_resource_group.pacs.location
}

resource "azurerm_healthcare_dicom_service" "regional" {
  name                          = "regional-dicom"
  workspace_id                  = azurerm_healthcare_workspace.imaging.id
  location                      = azurerm_resource_group.pacs.location
  public_network_access_enabled = false

  identity {
    type = "SystemAssigned"
  }
}
