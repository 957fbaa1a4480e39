"""puv: an extremely fast Python package installer and resolver.

This module imports nothing on purpose: `puv --version` must stay cheap.
"""

__version__ = "0.1.0"
