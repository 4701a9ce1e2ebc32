"""Wording an item from what the whole meeting says: acronyms it spells out, who is addressed; and clauses
(the trainer's by-clause ceiling)."""

from __future__ import annotations

from reportgen.corpus import Corpus
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.wording import Wording, acronyms, clauses, expand, statement
from tests.test_local_detectors import transcript

ROUND = [
    ("A", "Okay, I'm the project manager, so let's go round the table."),
    ("B", "Hi, I'm the marketing expert for this project."),
    ("C", "And I'm the User Interface Designer, I'll look after the buttons."),
    ("D", "I'm the Industrial Designer and I work on what goes inside."),
]


def test_acronyms_are_expanded_only_as_the_document_spells_them() -> None:
    index = SourceIndex.build(Corpus([transcript(ROUND)]))
    table = acronyms(index.sentences)[0]
    assert table["UID"] == "user interface designer" and table["ID"] == "industrial designer"
    assert expand("The ID is going to work on the components concept, UID the interface.", table) == (
        "The industrial designer is going to work on the components concept, user interface designer the interface.")
    assert expand("We keep the LCD.", table) == "We keep the LCD."  # spelled out nowhere: left as said
    # two phrases said as often spell the same letters: which one is meant cannot be checked, so none
    tie = SourceIndex.build(Corpus([transcript([("A", "The Interface Designer joined."),
                                                ("B", "The Industrial Designer left.")])]))
    assert "ID" not in acronyms(tie.sentences).get(0, {})


def test_a_task_said_to_the_next_speaker_is_worded_for_their_role() -> None:
    turns = [*ROUND,
             ("A", "Okay, you're gonna look at the user requirements for the next meeting."),
             ("B", "Okay, sure, I can do that by then."),
             ("A", "And you will have to work on the buttons."),
             ("E", "Right, I will."),
             ("A", "For the next meeting, you're gonna look at the prices."),
             ("B", "Fine, I will.")]
    index = SourceIndex.build(Corpus([transcript(turns)]))
    w = Wording(index)
    by_text = {s.text: s for s in index.sentences}
    assert w.of(by_text["Okay, you're gonna look at the user requirements for the next meeting."]) == (
        "The marketing expert will look at the user requirements for the next meeting.")  # B answers: B's task
    assert w.of(by_text["And you will have to work on the buttons."]) == (
        "You will have to work on the buttons.")  # E never said what they are: "you" stays
    assert w.of(by_text["For the next meeting, you're gonna look at the prices."]) == (
        "For the next meeting, you're gonna look at the prices.")  # "you" not leading: left as said
    assert statement("You're gonna do the evaluation.", addressee="marketing expert") == (
        "The marketing expert will do the evaluation.")
    assert statement("You two are going to build it.", addressee="marketing expert") == (
        "You 2 are going to build it.")  # "you two" is not the next speaker alone


def test_clauses_cut_a_task_list_and_leave_a_sentence_whole() -> None:
    said = ("The ID is going to work on the components concept, UID the user interface concept, and you're going to "
            "do some trend watching.")
    assert clauses(said, 3) == ["The ID is going to work on the components concept", "UID the user interface concept",
                                "You're going to do some trend watching"]
    one = "Then we can work for thirty minutes, and I have to write the final report."
    assert clauses(one, 3) == [one]  # two clauses: one task and its setting
    assert clauses("Power button, joystick, and so on.", 3) == ["Power button, joystick, and so on."]  # too thin
