"""The ``wellbeing`` console command (``main``) and its ``accounts`` subcommands. No Streamlit."""
