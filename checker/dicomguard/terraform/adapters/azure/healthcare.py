"""Health Data Services DICOM services as service and storage facts."""

from __future__ import annotations

from dicomguard.facts import service, storage, tristate
from dicomguard.model import Facts, is_unknown
from dicomguard.terraform.adapters.azure.context import PLATFORM, Adapter, AzureContext
from dicomguard.terraform.adapters.parts import Part
from dicomguard.terraform.evaluated import Resource


def dicom_service(resource: Resource, context: AzureContext, facts: Facts) -> None:
    body = Part.of(resource)
    public = body.get("public_network_access_enabled", True)
    reach = "unknown" if is_unknown(public) else "internet" if tristate(public) else "network"
    facts.services.append(service(
        body.line_of("public_network_access_enabled"), platform=PLATFORM,
        product="Azure Health Data Services DICOM", reach=reach, authentication=True,
        tls=True, kind="data_store",
        detail="public_network_access_enabled defaults to true" if reach == "internet" else "",
        unknown=[public.reason] if is_unknown(public) else []))
    key = ("customer-managed key" if body.has("encryption_key_url")
           or body.part("customer_managed_key") else "Microsoft-managed key")
    facts.storage.append(storage(body.origin(), platform=PLATFORM, kind="dicom_store",
                                 encrypted=True, detail=f"DICOM service ({key})",
                                 suffix="store"))


ADAPTERS: dict[str, Adapter] = {
    "azurerm_healthcare_dicom_service": dicom_service,
}
