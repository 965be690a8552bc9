"""The one logger of the reference.

Every warning the reference gives (a configuration value replaced by its default, a JWK
skipped, a reload that failed) goes through the logger named ``jwkconform.reference``, so
one handler sees them all, as the gateway's single package logger does.
"""

from __future__ import annotations

import logging

LOGGER_NAME = "jwkconform.reference"
logger = logging.getLogger(LOGGER_NAME)
