"""Text that came from a file or a form, shown as text: never as Markdown, never as HTML.

Team and service names, wave labels, change-log titles, column headers, file and
user names are typed by people outside this program. Interpolated into Streamlit
Markdown, ``![x](http://host/beacon.png)`` would make every reader's browser fetch
an image; drawn by Plotly, ``<a href=...>`` would become a link. Every such value
passes through :func:`markdown` before it reaches an ``st.markdown``, caption,
alert, label or help text, and through :func:`html` before it reaches a chart
(``charts.common.drawn_once`` does that for every chart's arguments).

Example:
    st.caption(f"Focused on **{plain.markdown(team)}**")
"""

from __future__ import annotations

import html as _html
import re

import pandas as pd

# Characters that start inline Markdown in Streamlit: emphasis, code, strikethrough,
# links and images ([ and ], which also open :red[...] directives), autolinks and
# raw HTML, entities, KaTeX maths and table cells. ( ) ! only act after ] or before [.
_INLINE = re.compile(r"([\\`*~\[\]<>&$|])")
# An underscore inside a word (file_name.csv) never emphasises; one at a word's edge may.
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# :smile: and :material/icon: short codes: a colon that opens one is escaped.
_SHORT_CODE = re.compile(r":(?=[\w/+-]+:)")
# Block markup acts at the start of a line: headings, quotes, lists, rules.
_LINE_START = re.compile(r"^(\s*)([#>+=-])", flags=re.MULTILINE)
_NUMBERED = re.compile(r"^(\s*\d+)([.)])", flags=re.MULTILINE)


def markdown(text: object) -> str:
    """``text`` escaped so that Streamlit's Markdown shows it exactly as typed.

    Example:
        >>> markdown("![x](http://host/beacon.png) Beacon")
        '!\\\\[x\\\\](http://host/beacon.png) Beacon'
    """
    value = _INLINE.sub(r"\\\1", str(text))
    value = _UNDERSCORE.sub(r"\\_", value)
    value = _SHORT_CODE.sub(r"\\:", value)
    value = _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", value)
    return _NUMBERED.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", value)


def html(text: object) -> str:
    """``text`` escaped so that Plotly's labels and hover text show it as typed.

    Plotly reads ``<b>``, ``<a href>``, ``<br>`` and entities in any text it draws
    (tick labels, hover text, legend names, titles) and shows ``&lt;`` as ``<``.
    """
    return _html.escape(str(text), quote=False)


def html_data(value: object) -> object:
    """Every piece of text in a chart's argument escaped with :func:`html`.

    Strings, lists and tuples of strings, and the text columns (and text index)
    of a Series or DataFrame; anything else is returned as it is. Used on the way
    into every chart, so a value compared inside the chart still matches: both
    sides were escaped alike.
    """
    if isinstance(value, str):
        return html(value)
    if isinstance(value, list | tuple):
        return type(value)(html_data(item) if isinstance(item, str) else item for item in value)
    if isinstance(value, pd.DataFrame):
        escaped = {
            column: _escaped_text(value[column])
            for column in value.columns
            if _holds_markup(value[column])
        }
        index_escaped = _holds_markup(value.index)
        if not escaped and not index_escaped:
            return value
        out = value.copy()
        for column, column_values in escaped.items():
            out[column] = column_values
        if index_escaped:
            out.index = _escaped_text(value.index)
        return out
    if isinstance(value, pd.Series):
        out = _escaped_text(value) if _holds_markup(value) else value
        if _holds_markup(value.index):
            out = out.copy()
            out.index = _escaped_text(value.index)
        return out
    return value


def _holds_markup(values: pd.Series | pd.Index) -> bool:
    """Whether some text value holds a character Plotly would read as markup."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = pd.Index(values.dtype.categories)
    if values.dtype.kind in "biufcmM":
        return False
    return any(isinstance(v, str) and ("<" in v or ">" in v or "&" in v) for v in values)


def _escaped_text(values: pd.Series | pd.Index) -> pd.Series | pd.Index:
    if isinstance(values.dtype, pd.CategoricalDtype):
        escaped = values.dtype.categories.map(lambda v: html(v) if isinstance(v, str) else v)
        if isinstance(values, pd.Index):
            return values.rename_categories(escaped)
        return values.cat.rename_categories(escaped)
    mapped = [html(v) if isinstance(v, str) else v for v in values]
    if isinstance(values, pd.Index):
        return pd.Index(mapped, name=values.name)
    return pd.Series(mapped, index=values.index, name=values.name, dtype=values.dtype)
