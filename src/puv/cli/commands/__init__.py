"""cli/commands layer (see DESIGN.md)."""
