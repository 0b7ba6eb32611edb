"""Azure resources: NSG rules with Deny and priorities, storage, the DICOM service."""

from __future__ import annotations

NSG = '''
    resource "azurerm_network_security_group" "pacs" {{
      name                = "nsg-pacs"
      location            = "westeurope"
      resource_group_name = "rg-pacs"
      {rules}
    }}
'''
RULE = '''
      security_rule {{
        name                       = "{name}"
        priority                   = {priority}
        direction                  = "{direction}"
        access                     = "{access}"
        protocol                   = "{protocol}"
        source_port_range          = "*"
        destination_port_range     = "{ports}"
        source_address_prefix      = "{source}"
        destination_address_prefix = "*"
      }}
'''


def rule(name: str, *, priority: int = 100, direction: str = "Inbound", access: str = "Allow",
         protocol: str = "Tcp", ports: str = "104", source: str = "Internet") -> str:
    return RULE.format(name=name, priority=priority, direction=direction, access=access,
                       protocol=protocol, ports=ports, source=source)


def test_inline_rule_from_the_internet(scan_tf):
    result = scan_tf(NSG.format(rules=rule("dicom")))
    [finding] = result.of("DG101")
    assert finding.resource == "azurerm_network_security_group.pacs"
    assert finding.ports == [104]
    assert finding.line == 7


def test_a_deny_rule_with_a_lower_priority_number_wins(scan_tf):
    rules = rule("dicom", priority=300, ports="100-200") + rule(
        "deny-internet", priority=200, access="Deny", protocol="*", ports="*", source="*")
    assert not scan_tf(NSG.format(rules=rules)).of("DG101")


def test_a_deny_rule_evaluated_later_does_not_help(scan_tf):
    rules = rule("dicom", priority=100) + rule(
        "deny-internet", priority=4000, access="Deny", protocol="*", ports="*", source="*")
    assert scan_tf(NSG.format(rules=rules)).of("DG101")


def test_a_deny_rule_removes_only_its_ports(scan_tf):
    rules = rule("wide", priority=300, ports="*") + rule(
        "deny-dicom", priority=200, access="Deny", ports="104", source="Internet")
    ports = {port for finding in scan_tf(NSG.format(rules=rules)).of("DG101")
             for port in finding.ports}
    assert 104 not in ports
    assert {4242, 8042, 11112} <= ports


def test_outbound_private_and_udp_rules_are_not_exposure(scan_tf):
    rules = (rule("out", direction="Outbound") + rule("vnet", source="VirtualNetwork")
             + rule("udp", protocol="Udp") + rule("partner", source="81.2.69.160/27"))
    assert not scan_tf(NSG.format(rules=rules)).of("DG101")


def test_standalone_rule_linked_by_group_name(scan_tf):
    result = scan_tf(NSG.format(rules="") + '''
        resource "azurerm_network_security_rule" "viewer" {
          name                        = "viewer"
          priority                    = 110
          direction                   = "Inbound"
          access                      = "Allow"
          protocol                    = "*"
          source_port_range           = "*"
          destination_port_ranges     = ["8000-8100", "443"]
          source_address_prefixes     = ["0.0.0.0/0"]
          destination_address_prefix  = "*"
          resource_group_name         = "rg-pacs"
          network_security_group_name = azurerm_network_security_group.pacs.name
        }
    ''')
    [finding] = result.of("DG101")
    assert finding.resource == "azurerm_network_security_rule.viewer"
    assert finding.ports == [8042]


def test_storage_account_settings_3x_and_4x_names(scan_tf):
    """TLS 1.0 is not reported: Azure Storage has refused TLS below 1.2 since November 2025."""
    result = scan_tf('''
        resource "azurerm_storage_account" "v3" {
          name                            = "pacsarchivev3"
          resource_group_name             = "rg-pacs"
          location                        = "westeurope"
          account_tier                    = "Standard"
          account_replication_type        = "GRS"
          enable_https_traffic_only       = false
          allow_nested_items_to_be_public = false
        }

        resource "azurerm_storage_account" "v4" {
          name                            = "pacsarchivev4"
          resource_group_name             = "rg-pacs"
          location                        = "westeurope"
          account_tier                    = "Standard"
          account_replication_type        = "GRS"
          https_traffic_only_enabled      = false
          allow_nested_items_to_be_public = false
        }

        resource "azurerm_storage_account" "old_tls" {
          name                            = "pacsarchivetls"
          resource_group_name             = "rg-pacs"
          location                        = "westeurope"
          account_tier                    = "Standard"
          account_replication_type        = "GRS"
          min_tls_version                 = "TLS1_0"
          allow_nested_items_to_be_public = false
        }

        resource "azurerm_storage_account" "good" {
          name                            = "pacsarchivegood"
          resource_group_name             = "rg-pacs"
          location                        = "westeurope"
          account_tier                    = "Standard"
          account_replication_type        = "GRS"
          allow_nested_items_to_be_public = false
        }
    ''')
    assert result.resources("DG401") == {
        "azurerm_storage_account.v3", "azurerm_storage_account.v4"}
    assert not result.of("DG302") and not result.of("DG201") and not result.of("DG305")


def test_public_containers_and_open_network_rules(scan_tf):
    result = scan_tf('''
        resource "azurerm_storage_account" "archive" {
          name                     = "pacsarchive"
          resource_group_name      = "rg-pacs"
          location                 = "westeurope"
          account_tier             = "Standard"
          account_replication_type = "GRS"

          network_rules {
            default_action = "Deny"
            ip_rules       = ["0.0.0.0/0"]
          }
        }

        resource "azurerm_storage_container" "studies" {
          name                  = "studies"
          storage_account_name  = azurerm_storage_account.archive.name
          container_access_type = "container"
        }

        resource "azurerm_storage_container" "private" {
          name                 = "private"
          storage_account_name = azurerm_storage_account.archive.name
        }
    ''')
    assert result.resources("DG302") == {"azurerm_storage_container.studies"}
    assert result.resources("DG305") == {"azurerm_storage_account.archive"}


def test_container_of_an_account_that_forbids_public_access(scan_tf):
    result = scan_tf('''
        resource "azurerm_storage_account" "archive" {
          name                            = "pacsarchive"
          resource_group_name             = "rg-pacs"
          location                        = "westeurope"
          account_tier                    = "Standard"
          account_replication_type        = "GRS"
          allow_nested_items_to_be_public = false
        }

        resource "azurerm_storage_container" "studies" {
          name                  = "studies"
          storage_account_name  = azurerm_storage_account.archive.name
          container_access_type = "blob"
        }
    ''')
    assert not result.of("DG302")


def test_dicom_service_public_network_access_defaults_to_true(scan_tf):
    result = scan_tf('''
        resource "azurerm_healthcare_dicom_service" "open" {
          name         = "open"
          workspace_id = "/subscriptions/0/resourceGroups/rg/providers/ws"
          location     = "westeurope"
        }

        resource "azurerm_healthcare_dicom_service" "private" {
          name                          = "private"
          workspace_id                  = "/subscriptions/0/resourceGroups/rg/providers/ws"
          location                      = "westeurope"
          public_network_access_enabled = false
        }
    ''')
    assert result.resources("DG305") == {"azurerm_healthcare_dicom_service.open"}


def test_managed_disks_are_always_encrypted(scan_tf):
    result = scan_tf('''
        resource "azurerm_managed_disk" "images" {
          name                 = "images"
          location             = "westeurope"
          resource_group_name  = "rg-pacs"
          storage_account_type = "Premium_LRS"
          create_option        = "Empty"
          disk_size_gb         = 1024
        }
    ''')
    assert not result.findings
    assert result.facts.storage[0]["encrypted"] is True


def test_database_firewall_rules(scan_tf):
    result = scan_tf('''
        resource "azurerm_postgresql_flexible_server_firewall_rule" "anyone" {
          name             = "anyone"
          server_id        = "/subscriptions/0/resourceGroups/rg/providers/pg"
          start_ip_address = "0.0.0.0"
          end_ip_address   = "255.255.255.255"
        }

        resource "azurerm_mssql_firewall_rule" "azure_services" {
          name             = "AllowAzureServices"
          server_id        = "/subscriptions/0/resourceGroups/rg/providers/sql"
          start_ip_address = "0.0.0.0"
          end_ip_address   = "0.0.0.0"
        }

        resource "azurerm_mysql_flexible_server_firewall_rule" "office" {
          name                = "office"
          resource_group_name = "rg"
          server_name         = "pacs-index"
          start_ip_address    = "203.0.113.0"
          end_ip_address      = "203.0.113.255"
        }
    ''')
    assert result.resources("DG305") == {
        "azurerm_postgresql_flexible_server_firewall_rule.anyone"}
