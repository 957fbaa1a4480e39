"""Dependency resolution: the PubGrub core and the seams it talks through."""
