"""Free text that reaches the store and the screen: one rule for every field.

Allowed: any printable character, plus tab, line feed and carriage return (notes are
written on several lines). Refused: every other control character — C0 (U+0000-U+001F, NUL
among them, which PostgreSQL cannot store at all), DEL (U+007F) and C1 (U+0080-U+009F),
which terminals and some browsers act on — and lone surrogates (U+D800-U+DFFF), which are
not text and which no UTF-8 encoder, PostgreSQL's included, can write.

`text_problem` is the pure check, for stores and other non-web code; the web validates
request bodies with the pydantic types of `services.web.validation`, built on it.
"""

from __future__ import annotations

import re

ALLOWED_CONTROLS = "\t\n\r"
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """What is wrong with `value` as free text, or None when it is fine."""
    found = _REFUSED.search(value)
    if found is None:
        return None
    return f"control character U+{ord(found.group()):04X} at position {found.start()}"


def check_text(value: str) -> str:
    """`value` itself; raises ValueError naming the first refused character."""
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(f"text may hold tab and line breaks but no other {problem}")
    return value
