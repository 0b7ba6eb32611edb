# The hub firewall publishes the archive to the partner hospital's fixed range only.

resource "azurerm_public_ip" "hub" {
  name                = "pip-hub"
  location            = "westeurope"
  resource_group_name = "rg-pacs"
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_firewall" "hub" {
  name                = "fw-hub"
  location            = "westeurope"
  resource_group_name = "rg-pacs"
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"

  ip_configuration {
    name                 = "public"
    subnet_id            = "/subscriptions/0000/resourceGroups/rg-pacs/providers/Microsoft.Network/virtualNetworks/hub/subnets/AzureFirewallSubnet"
    public_ip_address_id = azurerm_public_ip.hub.id
  }
}

resource "azurerm_firewall_nat_rule_collection" "pacs" {
  name                = "pacs-dnat"
  azure_firewall_name = azurerm_firewall.hub.name
  resource_group_name = "rg-pacs"
  priority            = 100
  action              = "Dnat"

  rule {
    name                  = "dicom"
    protocols             = ["TCP"]
    source_addresses      = ["203.0.113.0/24"]
    destination_addresses = ["20.50.1.10"]
    destination_ports     = ["11112"]
    translated_address    = "10.0.1.4"
    translated_port       = "11112"
  }
}

resource "azurerm_firewall_policy" "edge" {
  name                = "edge"
  location            = "westeurope"
  resource_group_name = "rg-pacs"
}

resource "azurerm_firewall_policy_rule_collection_group" "viewer" {
  name               = "viewer"
  firewall_policy_id = azurerm_firewall_policy.edge.id
  priority           = 200

  nat_rule_collection {
    name     = "orthanc"
    priority = 100
    action   = "Dnat"

    rule {
      name                = "orthanc-web"
      protocols           = ["TCP"]
      source_ip_groups    = [azurerm_ip_group.radiologists.id]
      destination_address = "20.50.1.11"
      destination_ports   = ["443"]
      translated_address  = "10.0.1.5"
      translated_port     = "8042"
    }
  }
}

resource "azurerm_ip_group" "radiologists" {
  name                = "radiologists"
  location            = "westeurope"
  resource_group_name = "rg-pacs"
  cidrs               = ["198.51.100.0/24", "192.0.2.16/28"]
}
