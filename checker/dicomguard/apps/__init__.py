"""PACS application configs: Orthanc JSON, docker-compose files and Kubernetes manifests."""
