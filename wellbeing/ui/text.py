"""Text that came from a file or a form, shown as written and never as Markdown."""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")


def plain(text: object) -> str:
    """``text`` with every Markdown character escaped, for st.markdown and captions.

    A question such as "**Urgent**: see <a href=...>" or a measure HR calls
    ":red[Stress]" then reads exactly as typed.
    """
    return _MARKDOWN.sub(r"\\\1", str(text))
