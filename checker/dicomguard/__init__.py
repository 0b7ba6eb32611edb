"""dicomguard: keep DICOM/PACS deployments off the open internet."""

__version__ = "0.1.0"
