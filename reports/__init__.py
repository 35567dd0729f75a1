"""Spend digests: plain data, the message text and Block Kit, and charts rendered off the event loop.

Importing the package gives matplotlib a writable cache directory first, so its font cache is built once
and kept, instead of on every start (or failing) when the home directory is read-only.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _writable_matplotlib_cache() -> None:
    if os.environ.get("MPLCONFIGDIR"):
        return
    for candidate in (Path("var") / "matplotlib", Path(tempfile.gettempdir()) / f"kilo-bot-matplotlib-{os.getuid()}"):
        try:
            candidate.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(candidate, os.W_OK):
            os.environ["MPLCONFIGDIR"] = str(candidate.resolve())
            return


_writable_matplotlib_cache()
