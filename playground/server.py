"""The app as served: `streamlit run playground/server.py`.

The page is playground/app.py, unchanged; this adds the frame feed's route beside Streamlit's
own (st.App runs the same Streamlit server, with extra Starlette routes).
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from anywhere

import streamlit as st  # noqa: E402
from starlette.routing import Route  # noqa: E402

from playground.framefeed import FRAME_PATH, frame_endpoint  # noqa: E402

app = st.App(Path(__file__).with_name("app.py"), routes=[Route(FRAME_PATH, frame_endpoint)])
