"""Who may come in: built-in accounts, signing in, and the audit log. No Streamlit.

``wellbeing.ui`` keeps the session and calls these; the command line
(``wellbeing accounts ...``) does the same for accounts.
"""
