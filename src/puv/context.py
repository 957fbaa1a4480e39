"""The context of one run: settings, output, environment and working directory.

It wires the layers together for a command. Expensive parts (the cache, the
HTTP client) are created on first use, so a command that needs neither never
imports them. One context lives for one command run; there is no global one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from puv.cli.printer import Printer
from puv.settings import Settings


@dataclass
class Context:
    settings: Settings
    printer: Printer
    environ: Mapping[str, str]
    cwd: Path
