variable "modality_prefixes" {
  type        = list(string)
  description = "CT, MR and CR modalities in the imaging VLAN"
  default     = ["10.20.8.0/22"]
}

resource "azurerm_network_security_group" "pacs" {
  name                = "nsg-${var.prefix}"
  location            = azurerm_resource_group.pacs.location
  resource_group_name = azurerm_resource_group.pacs.name

  security_rule {
    name                       = "dicom-from-modalities"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_ranges    = ["104", "4242"]
    source_address_prefixes    = var.modality_prefixes
    destination_address_prefix = "VirtualNetwork"
  }

  # Nothing from the internet reaches the PACS subnet, whatever a later rule says.
  security_rule {
    name                       = "deny-internet"
    priority                   = 200
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_security_rule" "viewer" {
  name                        = "orthanc-web-from-vpn"
  priority                    = 110
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "8042"
  source_address_prefix       = "10.90.0.0/16"
  destination_address_prefix  = "*"
  resource_group_name         = azurerm_resource_group.pacs.name
  network_security_group_name = azurerm_network_security_group.pacs.name
}

resource "azurerm_subnet_network_security_group_association" "pacs" {
  subnet_id                 = azurerm_subnet.pacs.id
  network_security_group_id = azurerm_network_security_group.pacs.id
}
