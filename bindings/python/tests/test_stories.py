"""storydup.stories from Python: the report of `storydup stories -f json` on the same articles."""

import json
import subprocess
from pathlib import Path

import pyarrow as pa
import pytest

import storydup

SEEDS = Path(__file__).resolve().parents[3] / "seeds"


def seed_table():
    files = sorted(SEEDS.glob("*.txt"))
    texts = [f.read_text(encoding="utf-8-sig") for f in files]
    return pa.table({"id": [f.name for f in files], "text": texts})


def test_the_seed_reports_make_one_story():
    report = storydup.stories(seed_table())
    assert report["num_documents"] == 5
    assert len(report["stories"]) == 1
    assert report["stories"][0]["groups"][0]["documents"] == ["000_939350c50e42d35e.txt", "001_886e56de3ea5854c.txt"]


def test_the_same_report_as_the_command_line(storydup_bin):
    p = subprocess.run([storydup_bin, "-q", "stories", str(SEEDS), "-f", "json"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert storydup.stories(seed_table()) == json.loads(p.stdout)


def test_options_reach_the_core_as_the_command_line_passes_them(storydup_bin):
    # The report echoes its params, so equal reports mean each option arrived under its own name.
    cli = ["--relative-threshold", "5", "--cohesion", "0", "--smoothing", "0.25", "--date-scale", "60", "--date-window", "30"]
    p = subprocess.run([storydup_bin, "-q", "stories", str(SEEDS), "-f", "json", *cli], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    report = storydup.stories(seed_table(), relative_threshold=5, cohesion=0, smoothing=0.25, date_scale=60, date_window=30)
    assert report["params"] == {
        "relative_threshold": 5.0,
        "smoothing": 0.25,
        "date_window_days": 30,
        "date_scale_days": 60.0,
        "cohesion": 0.0,
    }
    assert report == json.loads(p.stdout)


def test_optional_columns_and_row_ids():
    table = seed_table()
    with_titles = table.append_column("title", pa.array(["A title shared by all five"] * 5)).drop_columns(["id"])
    report = storydup.stories(with_titles)
    assert report["stories"][0]["documents"] == ["0", "1", "2", "3", "4"]
    assert report["stories"][0]["label"] == "A title shared by all five"
    with pytest.raises(ValueError, match="no column 'headline'"):
        storydup.stories(table, title="headline")
    with pytest.raises(ValueError, match="row 1: the text is null"):
        storydup.stories(["a text.", None])
