"""The index layer: project pages, candidate files, metadata and downloads (PEP 503/691/658)."""
