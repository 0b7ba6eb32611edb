# Orthanc PACS on an Azure VM with the archive in Blob Storage and the cloud DICOM service
# (Azure Health Data Services) for the regional imaging network.

terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 3.110"
    }
  }
}

provider "azurerm" {
  features {}
}

variable "location" {
  type    = string
  default = "westeurope"
}

variable "prefix" {
  type    = string
  default = "stmarypacs"
}

resource "azurerm_resource_group" "pacs" {
  name     = "rg-${var.prefix}"
  location = var.location
}

resource "azurerm_virtual_network" "pacs" {
  name                = "vnet-${var.prefix}"
  address_space       = ["10.40.0.0/16"]
  location            = azurerm_resource_group.pacs.location
  resource_group_name = azurerm_resource_group.pacs.name
}

resource "azurerm_subnet" "pacs" {
  name                 = "snet-pacs"
  resource_group_name  = azurerm_resource_group.pacs.name
  virtual_network_name = azurerm_virtual_network.pacs.name
  address_prefixes     = ["10.40.1.0/24"]
}
