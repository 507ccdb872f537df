"""Start the dashboard: ``python serve.py`` (Streamlit's options as flags, e.g. --server.port 8502).

The dashboard behind its gates (wellbeing/ui/serving.py): no upload before an HR
sign-in, no download link without the session cookie, and no listening on every
network address until sign-in is set up. docs/security.md explains why this is
the only way to start it.
"""

# A process the server starts to decide a large wave (wellbeing/core/apart.py) runs this
# script again as __mp_main__, as multiprocessing does on start: it needs none of the
# server (1.8 s of imports in each such process).
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
