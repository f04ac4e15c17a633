"""The real-world description sets: well formed, sourced, and split by their rule, so no
row moves between tuning and holdout after the fact."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from dialogs.verdict import HybridShape, Verdict

DATA = Path(__file__).parent.parent / "data"
SETS = ("quickcheck_realworld", "quickcheck_french")


def rows(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]


def held_out(text: str) -> bool:
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % 3 == 0


@pytest.mark.parametrize("name", SETS)
def test_each_row_sits_where_the_split_rule_puts_it(name: str) -> None:
    assert all(not held_out(str(row["text"])) for row in rows(f"{name}_tune"))
    assert all(held_out(str(row["text"])) for row in rows(f"{name}_holdout"))


@pytest.mark.parametrize("name", [f"{name}_{part}" for name in SETS for part in ("tune", "holdout")])
def test_each_row_is_quoted_from_a_page_with_its_labels_and_reason(name: str) -> None:
    texts = set()
    for row in rows(name):
        text = str(row["text"])
        assert text.strip() and len(text) <= 2000
        assert text not in texts
        texts.add(text)
        assert str(row["source"]).startswith(("http://", "https://"))
        accept = row["accept"]
        assert isinstance(accept, list) and accept
        assert {Verdict(label) for label in accept}
        if "shape" in row:
            assert HybridShape(str(row["shape"]))
        assert str(row["reason"]).strip()


def test_there_are_enough_real_descriptions() -> None:
    english = rows("quickcheck_realworld_tune") + rows("quickcheck_realworld_holdout")
    french = rows("quickcheck_french_tune") + rows("quickcheck_french_holdout")
    assert len(english) >= 300
    assert len(french) >= 60
