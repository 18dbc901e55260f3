"""Property tests: folding is idempotent and length-preserving, specs normalise to the same
values whatever the text around them, and every score stays in range on arbitrary text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from matching import get_matcher
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
