"""Virtual environments (PEP 405): creating them without running the base interpreter."""
