# A public load balancer in front of the modality gateway; its NSG admits the internet.

resource "azurerm_public_ip" "gateway" {
  name                = "pip-gateway"
  location            = "westeurope"
  resource_group_name = "rg-pacs"
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_lb" "gateway" {
  name                = "lb-gateway"
  location            = "westeurope"
  resource_group_name = "rg-pacs"
  sku                 = "Standard"

  frontend_ip_configuration {
    name                 = "public"
    public_ip_address_id = azurerm_public_ip.gateway.id
  }
}

resource "azurerm_lb_backend_address_pool" "gateway" {
  name            = "gateway"
  loadbalancer_id = azurerm_lb.gateway.id
}

resource "azurerm_lb_rule" "dicom" {
  name                           = "dicom"
  loadbalancer_id                = azurerm_lb.gateway.id
  frontend_ip_configuration_name = "public"
  protocol                       = "Tcp"
  frontend_port                  = 104
  backend_port                   = 104
  backend_address_pool_ids       = [azurerm_lb_backend_address_pool.gateway.id]
}

resource "azurerm_network_interface" "gateway" {
  name                = "nic-gateway"
  location            = "westeurope"
  resource_group_name = "rg-pacs"

  ip_configuration {
    name                          = "internal"
    subnet_id                     = "/subscriptions/0000/resourceGroups/rg-pacs/providers/Microsoft.Network/virtualNetworks/pacs/subnets/gateway"
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_network_interface_backend_address_pool_association" "gateway" {
  network_interface_id    = azurerm_network_interface.gateway.id
  ip_configuration_name   = "internal"
  backend_address_pool_id = azurerm_lb_backend_address_pool.gateway.id
}

resource "azurerm_network_security_group" "gateway" {
  name                = "nsg-gateway"
  location            = "westeurope"
  resource_group_name = "rg-pacs"

  security_rule {
    name                       = "dicom"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "104"
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_interface_security_group_association" "gateway" {
  network_interface_id      = azurerm_network_interface.gateway.id
  network_security_group_id = azurerm_network_security_group.gateway.id
}
