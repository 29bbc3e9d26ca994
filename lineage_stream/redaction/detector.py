"""What one detector row declares; ``detectors.py`` and ``secrets.py`` hold the rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Detector:
    """One way of finding one entity type.

    If ``pattern`` has a group named ``pii`` only that group is redacted (for
    example the value after ``password=``); otherwise the whole match is.
    ``validator`` gets the redacted text. ``context``, when set, must match
    within ``context_window`` characters either side of the finding.
    """

    name: str
    entity_type: str
    pattern: re.Pattern[str]
    validator: Callable[[str], bool] | None = None
    context: re.Pattern[str] | None = None
    context_window: int = 0
    needs: str = ""
    """A quick pre-check: ``"digit"`` or ``"@"`` when no match can exist in a text without one (skips the scan)."""
