"""Rules and reference facts: measures, the supervision cadence, roles, statistics, instruments.

The bottom layer. No DuckDB, no Streamlit, no queries: everything above imports these.
"""
