"""Property tests: folding is idempotent and length-preserving, specs normalise to the same
values whatever the text around them, and every score stays in range on arbitrary text."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from matching import MatchResult, Reason, get_matcher
from matching.text import fold

# Text with the characters listings really mix: accents, Cyrillic, Turkish dotless i, digits,
# units and separators.
LISTING_TEXT = st.text(
    alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyzABCDÉÈÀÇÜÖİıłЁёжМ0123456789 ,.x×*-/|gmAhcmm\n")),
    max_size=120,
)


@given(st.text(max_size=200))
def test_fold_is_idempotent_and_keeps_length(text: str) -> None:
    folded = fold(text)
    assert len(folded) == len(text)
    assert fold(folded) == folded


@settings(max_examples=200, deadline=None)
@given(LISTING_TEXT, LISTING_TEXT)
def test_scores_stay_in_range_and_tiers_agree(title: str, description: str) -> None:
    result = get_matcher().score_listing(title, description)
    assert 0 <= result.score <= 100
    assert result.flagged == (result.tier != "none")
    for reason in result.reasons:
        if reason.span is not None:
            start, end = reason.span
            assert 0 <= start <= end


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(LISTING_TEXT, LISTING_TEXT), max_size=20))
def test_batch_scoring_equals_one_by_one(pairs: list[tuple[str, str]]) -> None:
    matcher = get_matcher()
    assert matcher.score_many(pairs) == [matcher.score_listing(t, d) for t, d in pairs]


REASON_TEXT = st.text(max_size=30)  # any character: quotes, backslashes, controls, non-ASCII
REASONS = st.builds(
    Reason,
    code=st.sampled_from(["model", "tiny_size", "risk_claim"]),
    text=REASON_TEXT,
    points=st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.integers(-100, 100),
        st.sampled_from([0.0, -0.0, 5]),
    ),
    field=st.one_of(st.none(), st.sampled_from(["title", "description", "attributes"])),
    span=st.one_of(st.none(), st.tuples(st.integers(0, 10**6), st.integers(0, 10**6))),
    excerpt=st.one_of(st.none(), REASON_TEXT),
)


@given(st.lists(REASONS, max_size=6))
def test_reasons_json_is_json_dumps_of_the_reason_dicts(reasons: list[Reason]) -> None:
    result = MatchResult(50, "medium", True, None, None, tuple(reasons), "v", "c")
    assert result.reasons_json() == json.dumps(result.reason_dicts())
    assert result.reasons_json() == json.dumps(result.reason_dicts())  # again, from what was kept
