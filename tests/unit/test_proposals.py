"""The council's tally (sucre.domain.proposals.tally): quorum, majority and consensus, at their
boundaries and as properties; and the payload each kind of proposal takes."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sucre.domain import parameters
from sucre.domain.errors import InvalidInput
from sucre.domain.members import MemberCode
from sucre.domain.proposals import (
    Ballot,
    Outcome,
    ProposalKind,
    Rule,
    proposal_payload,
    tally,
)

TEN = [MemberCode(c) for c in ("VEN", "CUB", "BOL", "NIC", "ATG", "DMA", "GRD", "KNA", "LCA",
                               "VCT")]
Y, N, A = Ballot.YES, Ballot.NO, Ballot.ABSTAIN
TWO_THIRDS, HALF = Fraction(2, 3), Fraction(1, 2)


def votes(*ballots: Ballot) -> dict[MemberCode, Ballot]:
    return dict(zip(TEN, ballots, strict=False))


def majority_vote(*ballots: Ballot, members: list[MemberCode] = TEN,
                  quorum: Fraction = TWO_THIRDS, majority: Fraction = HALF) -> Outcome:
    return tally(ProposalKind.ALLOCATION, votes(*ballots), members, subject=None,
                 quorum=quorum, majority=majority).outcome


def test_the_defaults_are_two_thirds_and_a_half() -> None:
    values = parameters.ParameterValues({})
    assert values[parameters.VOTE_QUORUM] == TWO_THIRDS
    assert values[parameters.VOTE_MAJORITY] == HALF


def test_quorum_boundary_of_ten_members_is_seven_votes() -> None:
    """Two thirds of ten is 6.67: six votes are no quorum, seven are (abstentions count)."""
    assert majority_vote(Y, Y, Y, Y, Y, Y) is Outcome.NO_QUORUM
    assert majority_vote(Y, Y, Y, Y, Y, Y, A) is Outcome.ADOPTED
    assert majority_vote(Y, A, A, A, A, A, A) is Outcome.ADOPTED


def test_majority_is_more_yes_than_the_share_of_yes_and_no() -> None:
    assert majority_vote(Y, Y, Y, Y, N, N, N) is Outcome.ADOPTED  # 4 of 7
    assert majority_vote(Y, Y, Y, N, N, N, A) is Outcome.NO_MAJORITY  # a tie is not a majority
    assert majority_vote(Y, Y, Y, N, N, N, N) is Outcome.NO_MAJORITY
    assert majority_vote(A, A, A, A, A, A, A) is Outcome.NO_MAJORITY  # quorum, but no one for
    # Two thirds of yes + no, a council parameter: 6 of 9 is not above it, 7 of 9 is.
    assert majority_vote(Y, Y, Y, Y, Y, Y, N, N, N, majority=TWO_THIRDS) is Outcome.NO_MAJORITY
    assert majority_vote(Y, Y, Y, Y, Y, Y, Y, N, N, majority=TWO_THIRDS) is Outcome.ADOPTED


def test_only_members_in_good_standing_count() -> None:
    """A member suspended since it voted no longer counts, towards the quorum or the votes."""
    seven = votes(Y, Y, Y, Y, Y, Y, Y)
    standing = TEN[1:]  # VEN suspended: 6 votes of 9 members counted, 6 >= 2/3 of 9
    counted = tally(ProposalKind.ALLOCATION, seven, standing, subject=None, quorum=TWO_THIRDS,
                    majority=HALF)
    assert (counted.eligible, counted.yes, counted.outcome) == (9, 6, Outcome.ADOPTED)
    counted = tally(ProposalKind.ALLOCATION, seven, TEN[2:], subject=None, quorum=TWO_THIRDS,
                    majority=HALF)
    assert (counted.eligible, counted.yes, counted.outcome) == (8, 5, Outcome.NO_QUORUM)


def consensus(kind: ProposalKind, ballots: dict[MemberCode, Ballot],
              subject: MemberCode | None) -> Outcome:
    return tally(kind, ballots, TEN, subject=subject, quorum=TWO_THIRDS, majority=HALF).outcome


def test_a_withdrawal_needs_every_other_member_and_no_no() -> None:
    others = {m: Y for m in TEN if m != "BOL"}
    assert consensus(ProposalKind.WITHDRAWAL, others, MemberCode("BOL")) is Outcome.ADOPTED
    assert consensus(ProposalKind.WITHDRAWAL, {**others, MemberCode("CUB"): A},
                     MemberCode("BOL")) is Outcome.ADOPTED  # an abstention is no objection
    one_no = {**others, MemberCode("NIC"): N}
    assert consensus(ProposalKind.WITHDRAWAL, one_no, MemberCode("BOL")) is Outcome.NO_CONSENSUS
    missing = {m: b for m, b in others.items() if m != "VCT"}
    assert consensus(ProposalKind.WITHDRAWAL, missing, MemberCode("BOL")) is Outcome.NO_CONSENSUS
    # The member concerned is not one of the others: its own vote neither helps nor blocks.
    assert consensus(ProposalKind.WITHDRAWAL, {**others, MemberCode("BOL"): N},
                     MemberCode("BOL")) is Outcome.ADOPTED


def test_an_admission_needs_every_member() -> None:
    everyone = dict.fromkeys(TEN, Y)
    assert consensus(ProposalKind.ADMISSION, everyone, MemberCode("HND")) is Outcome.ADOPTED
    del everyone[TEN[0]]
    assert consensus(ProposalKind.ADMISSION, everyone, MemberCode("HND")) is Outcome.NO_CONSENSUS


ballots = st.dictionaries(st.sampled_from(TEN), st.sampled_from(list(Ballot)))
shares = st.fractions(min_value=Fraction(1, 12), max_value=1, max_denominator=12)
majorities = st.fractions(min_value=Fraction(1, 2), max_value=Fraction(11, 12),
                          max_denominator=12)


@given(ballots, st.sets(st.sampled_from(TEN)), shares, majorities)
def test_a_majority_tally_is_its_definition(cast: dict[MemberCode, Ballot],
                                            standing: set[MemberCode], quorum: Fraction,
                                            majority: Fraction) -> None:
    counted = tally(ProposalKind.PARAMETER, cast, standing, subject=None, quorum=quorum,
                    majority=majority)
    voted = [b for m, b in cast.items() if m in standing]
    yes, no = voted.count(Y), voted.count(N)
    assert counted.rule is Rule.MAJORITY and counted.eligible == len(standing)
    assert (counted.yes, counted.no, counted.cast) == (yes, no, len(voted))
    assert counted.adopted == (len(voted) >= quorum * len(standing) > 0
                               and yes > majority * (yes + no))


@given(ballots, st.sets(st.sampled_from(TEN)), shares, majorities)
def test_one_more_yes_never_undoes_an_adoption(cast: dict[MemberCode, Ballot],
                                               standing: set[MemberCode], quorum: Fraction,
                                               majority: Fraction) -> None:
    """Turning a no or an abstention, or a missing vote, into a yes keeps an adopted proposal
    adopted, under either rule."""
    for kind in (ProposalKind.PARAMETER, ProposalKind.WITHDRAWAL):
        before = tally(kind, cast, standing, subject=TEN[0], quorum=quorum, majority=majority)
        for member in TEN:
            more = {**cast, member: Y}
            after = tally(kind, more, standing, subject=TEN[0], quorum=quorum, majority=majority)
            assert not before.adopted or after.adopted


@given(ballots, st.sets(st.sampled_from(TEN)), st.sampled_from(TEN))
def test_consensus_is_every_other_vote_and_no_no(cast: dict[MemberCode, Ballot],
                                                 standing: set[MemberCode],
                                                 subject: MemberCode) -> None:
    counted = tally(ProposalKind.WITHDRAWAL, cast, standing, subject=subject, quorum=TWO_THIRDS,
                    majority=HALF)
    others = standing - {subject}
    assert counted.adopted == (bool(others) and others <= set(cast)
                               and all(cast[m] is not N for m in others))


def test_a_proposals_payload_is_checked_and_typed() -> None:
    assert proposal_payload(ProposalKind.ALLOCATION, {"authority": "bcc",
                                                      "allocation": "5000.00"}) == {
        "authority": "BCC", "allocation_minor": 500_000, "credit_line_minor": 0}
    assert proposal_payload(ProposalKind.PARAMETER, {"name": "vote_quorum", "value": "3/4"}) == {
        "name": "vote_quorum", "value": "3/4"}
    assert proposal_payload(ProposalKind.WITHDRAWAL, {"member": "bol"}) == {"member": "BOL"}
    with pytest.raises(InvalidInput, match="takes no 'member'"):
        proposal_payload(ProposalKind.ALLOCATION, {"authority": "BCC", "allocation": "1.00",
                                                   "member": "VEN"})
    with pytest.raises(InvalidInput, match="needs allocation"):
        proposal_payload(ProposalKind.ALLOCATION, {"authority": "BCC"})
    with pytest.raises(InvalidInput):
        proposal_payload(ProposalKind.ALLOCATION, {"authority": "BCC", "allocation": "1.001"})
    with pytest.raises(InvalidInput, match="vote_majority must be from 1/2 to 1"):
        proposal_payload(ProposalKind.PARAMETER, {"name": "vote_majority", "value": "1"})
    with pytest.raises(InvalidInput, match="authority_name and currency"):
        proposal_payload(ProposalKind.ADMISSION, {"member": "HND", "name": "Honduras",
                                                  "authority": "BCH", "currency": "HNL"})


@pytest.mark.parametrize(("text", "share"), [("2/3", Fraction(2, 3)), ("0.75", Fraction(3, 4)),
                                             ("1", Fraction(1))])
def test_a_quorum_is_a_decimal_or_a_ratio(text: str, share: Fraction) -> None:
    assert parameters.VOTE_QUORUM.parse(text) == share


@pytest.mark.parametrize("text", ["0", "3/2", "2/0", "1.5/3", "-1/3", "1e-1", "2/3/4"])
def test_a_quorum_out_of_range_or_malformed_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parameters.VOTE_QUORUM.parse(text)
