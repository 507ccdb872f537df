"""Text that came from a file or a form, shown as written and never as Markdown."""

from __future__ import annotations

import re

# What makes Markdown (or Streamlit's :colour[...] and :material/icon:) of plain text.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>#~$:|])")
# A line that would start a list or a heading.
_LINE_START = re.compile(r"^(\s*)([-+]|\d+\.)(?=\s)", re.MULTILINE)


def plain(text: object) -> str:
    """``text`` with every Markdown character escaped, for st.markdown and captions.

    A question such as "**Urgent**: see <a href=...>" or a measure HR calls
    ":red[Stress]" then reads exactly as typed.
    """
    escaped = _MARKDOWN.sub(r"\\\1", str(text))
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
