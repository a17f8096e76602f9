"""core/fuzzy: the catalogue filter (pure, no textual)."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from roleswitch.core.fuzzy import FuzzyIndex, fuzzy_filter

NAMES = ["prod-admin", "prod-readonly", "staging-dev", "dev-chained", "admin-prod", "sandbox"]
TEXTS = [
    "prod-admin acme-prod 111111111111 arn:aws:iam::111111111111:role/Admin team=sre",
    "prod-readonly acme-prod 111111111111 arn:aws:iam::111111111111:role/ReadOnly",
    "staging-dev acme-staging 222222222222 arn:aws:iam::222222222222:role/Dev",
    "dev-chained acme-dev 333333333333 staging-dev arn:aws:iam::333333333333:role/Deploy",
    "admin-prod acme-prod 111111111111 arn:aws:iam::111111111111:role/Admin2",
    "sandbox 444444444444",
]


def names(query: str) -> list[str]:
    # fuzzy_filter takes lower-cased haystacks (FuzzyIndex lowers them once).
    return [NAMES[i] for i in fuzzy_filter(query, NAMES, [t.lower() for t in TEXTS])]


def test_empty_query_keeps_catalogue_order() -> None:
    assert names("") == NAMES
    assert names("   ") == NAMES


def test_rank_bands_prefix_then_word_start_then_text_then_subsequence() -> None:
    # "admin": prefix of admin-prod, word start in prod-admin, only text for nothing else.
    assert names("admin")[:2] == ["admin-prod", "prod-admin"]
    # "staging": name prefix first, then the role whose *source profile* is staging-dev (text match).
    assert names("staging") == ["staging-dev", "dev-chained"]
    # A scattered subsequence matches last.
    assert names("pdadm")[0] == "prod-admin"


def test_account_ids_arns_and_tags_match() -> None:
    assert names("222222222222") == ["staging-dev"]
    assert names("role/readonly") == ["prod-readonly"]
    assert names("team=sre") == ["prod-admin"]


def test_every_word_must_match() -> None:
    assert names("prod read") == ["prod-readonly"]
    assert names("prod nothing") == []


def test_case_insensitive() -> None:
    assert names("PROD-ADMIN")[0] == "prod-admin"


def test_incremental_index_agrees_with_a_fresh_search() -> None:
    index = FuzzyIndex(NAMES, TEXTS)
    for query in ["p", "pr", "pro", "prod", "prod ", "prod a", "prod ad", "s", "sa", "x", ""]:
        assert index.search(query) == fuzzy_filter(query, [n.lower() for n in NAMES],
                                                   [t.lower() for t in TEXTS]), query


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="abcdp-/ 1", min_size=1, max_size=12), min_size=1, max_size=25),
       st.text(alphabet="abcdp-/ 1", max_size=6))
def test_incremental_narrowing_never_differs(candidates: list[str], query: str) -> None:
    lowered = [c.lower() for c in candidates]
    index = FuzzyIndex(candidates, candidates)
    for end in range(len(query) + 1):
        assert index.search(query[:end]) == fuzzy_filter(query[:end], lowered, lowered)


def test_regex_metacharacters_are_literal() -> None:
    assert fuzzy_filter("a.*b", ["axxb", "a.*b"], ["axxb", "a.*b"]) == [1]


def test_no_textual_import() -> None:
    code = "import sys, roleswitch.core.fuzzy; print('textual' in sys.modules or 'rich' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
