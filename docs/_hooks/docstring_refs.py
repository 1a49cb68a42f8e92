"""MkDocs hook: plain-text docstrings in optmarkets read `a[k][1]` as a Markdown reference link.

mkdocs-autorefs then warns "Could not find cross-reference target" for text such as
`s.prices["consistency"][1]` in a docstring, which `strict: true` turns into a failure. Such a
warning comes from code, not from these pages: this hook logs it at INFO level (with its source) so
the strict build stays meaningful for the pages themselves. Warnings from docs/*.md are untouched.
"""

from __future__ import annotations

import logging
import re

_FROM_CODE = re.compile(r"from \S*optmarkets[/\\]\S+\.py:\d+:")


class _DocstringRefs(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.levelno == logging.WARNING and "Could not find cross-reference target" in message \
                and _FROM_CODE.search(message):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg, record.args = f"(docstring, not a page) {message}", ()
        return True


def on_config(config):
    # the records propagate to the "mkdocs" logger, whose handlers (the console and strict mode's
    # warning counter) get the filter; a filter on a parent logger would not see them
    handlers = logging.getLogger("mkdocs").handlers
    for handler in handlers:
        if not any(isinstance(f, _DocstringRefs) for f in handler.filters):
            handler.addFilter(_DocstringRefs())
    return config
