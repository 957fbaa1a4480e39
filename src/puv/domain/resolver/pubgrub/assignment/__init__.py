"""The partial solution of the PubGrub solver: assignments per package."""
