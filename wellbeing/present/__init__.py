"""What people see: figures, readings, charts, tiles, the board pack and downloads. No Streamlit.

Everything here is worked out from gated query rows (``queries``); the pages
and ``wellbeing.ui`` lay it out. ``figures``, ``readings``, ``supervision_tables``
and ``charts`` call no query; ``tiles``, ``look_first`` and ``board_pack`` gather
the rows they need through the query layer.
"""
