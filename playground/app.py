"""GAN Playground: the Streamlit entry point (placeholder until the live app lands)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from anywhere: gancore is beside us

import streamlit as st  # noqa: E402

st.title("GAN Playground")
st.write("The live app is being built.")
