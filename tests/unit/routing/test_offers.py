"""Who is offered to whom (routing.offers), pure: severity A first, then the longest wait, each to the
longest-idle skilled agent, no agent twice, and a caller already offered left alone."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from routing.model import Queue, Severity
from routing.offers import Idle, Skills, pairings
from routing.queues import QueueName
from routing.serving import Waiting

TECH_SV_A = QueueName(Queue.TECHNICAL, "sv", Severity.A)
TECH_SV_B = QueueName(Queue.TECHNICAL, "sv", Severity.B)
BILLING_EN = QueueName(Queue.BILLING, "en", Severity.B)
TECHNICAL_SV = Skills(frozenset({"technical"}), frozenset({"sv"}))
EVERYTHING = Skills(frozenset({"technical", "billing", "presales"}), frozenset({"sv", "en"}))


def test_severity_a_goes_first_to_the_agent_idle_longest():
    """A later A caller before an earlier B one; the agent idle since 100 before the one idle since 200."""
    made = pairings([Waiting("B-early", TECH_SV_B, 10), Waiting("A-late", TECH_SV_A, 50)],
                    [Idle("new", 200, TECHNICAL_SV), Idle("old", 100, TECHNICAL_SV)])
    assert [(p.caller.sid, p.agents) for p in made] == [("A-late", ("old", "new")), ("B-early", ("new", "old"))]


def test_callers_only_go_to_agents_whose_skills_cover_them():
    """A billing caller in English is not offered to a Swedish technical agent, and waits."""
    made = pairings([Waiting("billing", BILLING_EN, 1), Waiting("tech", TECH_SV_B, 2)], [Idle("sv", 1, TECHNICAL_SV)])
    assert [(p.caller.sid, p.agents) for p in made] == [("tech", ("sv",))]


def test_a_caller_already_offered_is_not_offered_again():
    made = pairings([Waiting("ringing", TECH_SV_A, 1), Waiting("next", TECH_SV_B, 2)], [Idle("a", 1, TECHNICAL_SV)],
                    offered=frozenset({"ringing"}))
    assert [p.caller.sid for p in made] == ["next"]


def test_a_caller_transferred_to_a_named_agent_goes_to_them_alone_and_first():
    """Reserved for "named" (not even skilled for billing): paired with them before the A caller takes the
    longest idle, and with nobody else; the A caller gets the other agent."""
    made = pairings([Waiting("A", TECH_SV_A, 1), Waiting("moved", BILLING_EN, 50)],
                    [Idle("named", 10, TECHNICAL_SV), Idle("other", 20, EVERYTHING)], reserved={"moved": "named"})
    assert [(p.caller.sid, p.agents) for p in made] == [("moved", ("named",)), ("A", ("other", "named"))]


def test_a_reserved_caller_waits_while_their_named_agent_is_not_idle():
    """The named agent is not among the idle: the caller is offered to nobody else meanwhile."""
    made = pairings([Waiting("moved", TECH_SV_B, 1)], [Idle("other", 1, TECHNICAL_SV)], reserved={"moved": "busy"})
    assert made == []


QUEUES = st.sampled_from([TECH_SV_A, TECH_SV_B, BILLING_EN, QueueName(Queue.PRESALES, "en")])
SKILLS = st.sampled_from([TECHNICAL_SV, EVERYTHING, Skills(frozenset({"billing"}), frozenset({"en"}))])


@given(st.lists(st.tuples(QUEUES, st.integers(0, 1000)), max_size=12),
       st.lists(st.tuples(st.integers(0, 1000), SKILLS), max_size=8))
def test_no_agent_is_chosen_twice_and_every_choice_is_skilled_and_idle_longest(callers, agents):
    """Whatever waits and whoever is idle: each chosen agent once, skilled, and no skilled agent left free
    idle longer than the one chosen; as many pairings as the skills allow greedily."""
    waiting = [Waiting(f"C{i}", queue, since) for i, (queue, since) in enumerate(callers)]
    idle = [Idle(f"A{i}", since, skills) for i, (since, skills) in enumerate(agents)]
    by_id = {agent.agent_id: agent for agent in idle}
    made = pairings(waiting, idle)
    chosen = [p.agents[0] for p in made]
    assert len(chosen) == len(set(chosen))
    taken: set[str] = set()
    for pairing in made:
        agent = by_id[pairing.agents[0]]
        assert agent.skills.cover(pairing.caller.queue)
        free = [a for a in idle if a.agent_id not in taken and a.skills.cover(pairing.caller.queue)]
        assert (agent.since, agent.agent_id) == min((a.since, a.agent_id) for a in free)
        assert set(pairing.agents) == {a.agent_id for a in idle if a.skills.cover(pairing.caller.queue)}
        taken.add(agent.agent_id)
    unserved = [c for c in waiting if c.sid not in {p.caller.sid for p in made}]
    for caller in unserved:  # nobody left free could have taken them
        assert not [a for a in idle if a.agent_id not in taken and a.skills.cover(caller.queue)]
