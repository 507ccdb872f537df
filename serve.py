"""Start the dashboard: ``python serve.py`` (Streamlit's options as flags, e.g. --server.port 8502).

The dashboard behind its gates (wellbeing/ui/serving.py): no upload before an HR
sign-in, no download link without the session cookie, and no listening on every
network address until sign-in is set up. docs/security.md explains why this is
the only way to start it.
"""

# multiprocessing runs the main module again as __mp_main__ in each process it starts.
# The decision processes (wellbeing/core/apart.py) now start without it; should any other
# process run this script so, it needs none of the server (0.4 s of imports, most of them
# Streamlit's).
if __name__ != "__mp_main__":
    import streamlit as st

    from wellbeing.ui import serving

    app = st.App(
        "dashboard.py",
        routes=serving.ROUTES,
        middleware=serving.MIDDLEWARE,
        lifespan=serving.lifespan,
    )

    if __name__ == "__main__":
        serving.launch(app)
