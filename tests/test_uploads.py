"""The upload panel under Streamlit's AppTest: the limit it states, what a good file offers, and that a rejected file is not left listed."""
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gancore.points import MAX_MEGABYTES

CONFIG_TOML = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"
GOOD = ("square.csv", b"x,y\n0,0\n1,0\n1,1\n", "text/csv")
BAD = ("typo.csv", b"x,y\n0,0\n1,abc\n1,1\n", "text/csv")


def _panel_page():
    from playground.panels import _upload_panel
    _upload_panel("a")


@pytest.fixture
def at() -> AppTest:
    at = AppTest.from_function(_panel_page, default_timeout=30)
    at.run()
    assert not at.exception
    return at


def test_streamlits_upload_limit_is_the_parsers():
    # Streamlit's own default is 200 MB; the uploader would list a 150 MB file before we refuse it.
    assert tomllib.loads(CONFIG_TOML.read_text())["server"]["maxUploadSize"] == MAX_MEGABYTES


def test_the_uploader_states_the_real_limits(at):
    uploader = at.file_uploader[0]
    assert uploader.label == "CSV of x, y numbers, up to 2 MB and 20,000 points"
    assert "semicolons, tabs or spaces" in uploader.help and "one optional header row" in uploader.help
    assert uploader.allowed_type == [".csv", ".txt"]


def test_a_good_file_is_read_and_offered_for_training(at):
    at.file_uploader[0].set_value(GOOD).run()
    assert not at.exception and not at.error
    assert at.success[0].value == "square.csv: 3 points read."
    assert at.button(key="use_upload").label == "Train on uploaded points"
    assert at.file_uploader[0].value.name == "square.csv"


def test_a_rejected_file_leaves_its_message_and_an_empty_uploader(at):
    at.file_uploader[0].set_value(BAD).run()
    assert not at.exception and not at.success
    assert at.error[0].value == "typo.csv: line 3: 'abc' is not a number. Your current run is unchanged."
    assert at.file_uploader[0].key == "upload-1" and at.file_uploader[0].value is None
    assert not [b for b in at.button if b.key == "use_upload"]
    # The message stays across other reruns, until the next file.
    at.run()
    assert at.error[0].value.startswith("typo.csv: line 3:") and at.file_uploader[0].value is None


def test_the_next_good_file_replaces_the_message(at):
    at.file_uploader[0].set_value(BAD).run()
    at.file_uploader[0].set_value(GOOD).run()
    assert not at.exception and not at.error
    assert at.success[0].value == "square.csv: 3 points read."


def test_a_second_rejection_replaces_the_first_message(at):
    at.file_uploader[0].set_value(BAD).run()
    at.file_uploader[0].set_value(("two.csv", b"0,0\n1,1\n", "text/csv")).run()
    assert [e.value for e in at.error] == ["two.csv: needs at least 3 points, found 2. Your current run is unchanged."]
    assert at.file_uploader[0].key == "upload-2" and at.file_uploader[0].value is None
