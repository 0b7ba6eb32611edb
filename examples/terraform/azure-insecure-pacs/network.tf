resource "azurerm_network_security_group" "pacs" {
  name                = "nsg-${var.prefix}"
  location            = azurerm_resource_group.pacs.location
  resource_group_name = azurerm_resource_group.pacs.name

  security_rule {
    name                       = "dicom-in"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_ranges    = ["104", "4242"]
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_security_rule" "viewer" {
  name                        = "orthanc-web"
  priority                    = 110
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "*"
  source_port_range           = "*"
  destination_port_range      = "8000-8100"
  source_address_prefix       = "*"
  destination_address_prefix  = "*"
  resource_group_name         = azurerm_resource_group.pacs.name
  network_security_group_name = azurerm_network_security_group.pacs.name
}

resource "azurerm_subnet_network_security_group_association" "pacs" {
  subnet_id                 = azurerm_subnet.pacs.id
  network_security_group_id = azurerm_network_security_group.pacs.id
}
