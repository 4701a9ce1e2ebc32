"""SOP loading: built-ins, user folders, `extends`, and errors that name file, line and key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen.errors import SOPError
from reportgen.sop import SOP, builtin_sops, find_sops, get_sop, load_sop, load_sop_text, sop_problems

MINIMAL = """\
id: team-sync
name: Team sync
sections:
  - id: notes
    title: Notes
"""


def _yaml(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _error(text: str, name: str = "my.yaml") -> str:
    with pytest.raises(SOPError) as exc:
        load_sop_text(_yaml(text), name)
    return str(exc.value)


# --- built-ins -------------------------------------------------------------------------------------


def test_builtins_load_and_have_the_promised_shape():
    sops = builtin_sops()
    assert set(sops) >= {
        "meeting-action-items",
        "interview-scorecard",
        "diligence-memo",
        "expert-call-notes",
        "advisory-memo",
    }
    for sop in sops.values():
        assert sop_problems(sop) == []
        assert sop.suits and sop.instructions and sop.version
        for sec in sop.sections:
            assert sec.instructions, f"{sop.id}.{sec.id} has no instructions"
            cues = sec.cues or [c for crit in sec.criteria for c in crit.cues]
            assert cues or sec.kind == "verdict", f"{sop.id}.{sec.id} has no cue phrases"

    meeting = sops["meeting-action-items"]
    actions = meeting.section("action_items")
    assert list(actions.fields) == ["task", "owner", "due", "status"]
    assert actions.fields["owner"].type == "person"
    assert actions.fields["due"].type == "date" and not actions.fields["due"].required
    assert actions.fields["status"].values == ["open", "done", "blocked"]
    assert actions.fields["status"].default == "open"
    assert meeting.section("decisions").fields["decided_by"].type == "person"
    assert meeting.section("summary").kind == "prose"

    card = sops["interview-scorecard"].section("competencies")
    assert card.kind == "scorecard"
    expected = ["problem_solving", "communication", "ownership", "composure", "role_skills"]
    assert [c.id for c in card.criteria] == expected
    for crit in card.criteria:
        assert [b.value for b in crit.rubric] == [1, 2, 3, 4]
        assert all(len(b.description) > 40 for b in crit.rubric), "anchors must be concrete behaviours"
    verdict = sops["interview-scorecard"].section("recommendation")
    assert verdict.fields["verdict"].values == ["strong hire", "hire", "no hire", "strong no hire"]

    dd = sops["diligence-memo"]
    assert dd.section("financials").fields["figure"].type == "money"
    assert "change of control" in (dd.section("contract_terms").fields["clause"].values or [])
    assert dd.section("risks").fields["severity"].type == "enum"
    assert sops["expert-call-notes"].section("data_points").fields["figure"].type == "number"
    assert set(sops["advisory-memo"].section("advice").fields) == {"problem", "recommendation", "rationale"}


def test_builtins_are_copies():
    a = builtin_sops()["meeting-action-items"]
    a.sections.clear()
    assert builtin_sops()["meeting-action-items"].sections


# --- errors ----------------------------------------------------------------------------------------


def test_wrong_field_type_names_file_line_key_and_choices():
    msg = _error(
        """
        id: x
        name: X
        sections:
          - id: a
            title: A
            kind: table
            fields:
              task: {type: text}
              owner:
                type: persn
        """
    )
    assert msg.startswith("my.yaml:10: sections[0].fields.owner.type: 'persn' is not one of text, person, date")


def test_unknown_key_suggests_the_right_one():
    msg = _error(
        """
        id: x
        name: X
        sections:
          - id: a
            title: A
            instructons: typo here
        """
    )
    assert "my.yaml:6: sections[0].instructons: unknown key 'instructons'. Did you mean 'instructions'?" in msg


def test_missing_key_points_at_its_mapping():
    msg = _error(
        """
        id: x
        name: X
        sections:
          - id: a
          - id: b
            title: B
        """
    )
    assert "my.yaml:4: sections[0].title: this key is required here" in msg


def test_yaml_syntax_error_has_its_line():
    msg = _error("id: x\nname: X\nsections:\n  - id: a\n    title: [unclosed\n  - id: b\n")
    assert msg.startswith("my.yaml:")
    assert "YAML syntax error" in msg
    line = int(msg.split(":")[1])
    assert 5 <= line <= 7


def test_semantic_problems_each_on_their_line():
    msg = _error(
        """
        id: x
        name: X
        sections:
          - id: a
            title: A
            kind: table
            fields:
              status: {type: enum}
          - id: a
            title: Again
          - id: card
            title: Card
            kind: scorecard
          - id: rated
            title: Rated
            kind: table
            fields:
              score:
                type: rating
                rubric:
                  - {value: 1, label: Low}
                  - {value: 1, label: High}
        """
    )
    lines = msg.splitlines()
    assert any(ln.startswith("my.yaml:8:") and "enum field needs `values`" in ln for ln in lines), msg
    assert any(ln.startswith("my.yaml:9:") and "duplicate section id 'a'" in ln for ln in lines), msg
    assert any(ln.startswith("my.yaml:11:") and "needs criteria" in ln for ln in lines), msg
    assert any(ln.startswith("my.yaml:22:") and "band value 1 is used twice" in ln for ln in lines), msg


def test_duplicate_yaml_keys_and_bare_booleans_are_explained():
    dup = _error("id: x\nname: X\nname: Y\nsections: []\n")
    assert "my.yaml:3: key 'name' appears twice" in dup
    yes_no = _error(
        """
        id: x
        name: X
        sections:
          - id: a
            title: A
            kind: table
            fields:
              ok: {type: enum, values: [yes, no]}
        """
    )
    assert "my.yaml:8: sections[0].fields.ok.values[0]: True was read as a boolean; put it in quotes" in yes_no


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("", "empty"),
        ("- a\n- b\n", "must be a YAML mapping"),
        ("a: &a [*a, *a]\n", "YAML"),
        ("id: x\nname: X\nsections: []\n", "at least one section"),
        ("id: 'bad id!'\nname: X\nsections: [{id: a, title: A}]\n", "not a usable id"),
    ],
)
def test_odd_inputs_give_clear_errors(text, expect):
    assert expect in _error(text)


def test_alias_bomb_is_refused_quickly():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    assert "more than" in _error(bomb)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=400), st.text(alphabet="ids:namescto -[]{}\n'\"&*!|>#,", max_size=300)))
def test_fuzz_any_text_is_an_sop_or_an_sop_error(text):
    try:
        sop = load_sop_text(text, "fuzz.yaml")
    except SOPError as e:
        assert str(e).startswith("fuzz.yaml")
    else:
        assert isinstance(sop, SOP)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(list(builtin_sops())), st.integers(min_value=0, max_value=10_000), st.characters())
def test_fuzz_mutated_builtins_never_crash(sop_id, position, char):
    text = Path(builtin_sops()[sop_id].source_path).read_text()
    pos = position % len(text)
    mutated = text[:pos] + char + text[pos + 1 :]
    try:
        load_sop_text(mutated, "m.yaml")
    except SOPError as e:
        assert str(e).startswith("m.yaml")


# --- folders, env, ids -----------------------------------------------------------------------------


def test_find_sops_order_env_then_explicit_folders(tmp_path, monkeypatch):
    env_dir, cli_dir = tmp_path / "env", tmp_path / "cli"
    env_dir.mkdir()
    cli_dir.mkdir()
    (env_dir / "sync.yaml").write_text(MINIMAL.replace("Team sync", "From env"))
    (env_dir / "override.yaml").write_text(MINIMAL.replace("team-sync", "meeting-action-items"))
    (cli_dir / "sync.yml").write_text(MINIMAL.replace("Team sync", "From cli"))
    monkeypatch.setenv("REPORTGEN_SOPS", str(env_dir))
    found = find_sops([cli_dir])
    assert found["team-sync"].name == "From cli"
    assert found["team-sync"].source_path == str(cli_dir / "sync.yml")
    assert found["meeting-action-items"].name == "Team sync"  # a team may replace a built-in by id
    assert "diligence-memo" in found
    assert get_sop("team-sync", [cli_dir]).name == "From cli"


def test_find_sops_reports_bad_folders_and_files(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTGEN_SOPS", str(tmp_path / "nope"))
    with pytest.raises(SOPError, match="SOP folder not found.*REPORTGEN_SOPS"):
        find_sops()
    monkeypatch.delenv("REPORTGEN_SOPS")
    (tmp_path / "broken.yaml").write_text("id: x\nname: X\nsections:\n  - id: a\n    titel: A\n")
    with pytest.raises(SOPError, match=r"broken.yaml:5: sections\[0\].titel"):
        find_sops([tmp_path])


def test_get_sop_by_path_and_unknown_id(tmp_path, monkeypatch):
    monkeypatch.delenv("REPORTGEN_SOPS", raising=False)
    path = tmp_path / "mine.yaml"
    path.write_text(MINIMAL)
    assert get_sop(str(path)).id == "team-sync"
    with pytest.raises(SOPError) as exc:
        get_sop("meeting-action-item")
    msg = str(exc.value)
    assert "Did you mean 'meeting-action-items'?" in msg and "diligence-memo" in msg and "--sops" in msg
    with pytest.raises(SOPError, match="SOP file not found"):
        get_sop(str(tmp_path / "missing.yaml"))


# --- extends ---------------------------------------------------------------------------------------


def test_extends_replaces_criteria_and_keeps_the_rest(tmp_path):
    path = tmp_path / "backend.yaml"
    path.write_text(
        _yaml(
            """
            id: backend-scorecard
            name: Backend engineer scorecard
            extends: interview-scorecard
            remove_sections: [strengths]
            sections:
              - id: competencies
                criteria:
                  - id: system_design
                    name: System design
                    question: Can they design a service that survives production?
                    rubric:
                      - {value: 1, label: Weak}
                      - {value: 2, label: Strong}
              - id: culture
                title: Culture add
                kind: list
            """
        )
    )
    sop = load_sop(path)
    base = builtin_sops()["interview-scorecard"]
    assert sop.id == "backend-scorecard" and sop.instructions == base.instructions
    assert [s.id for s in sop.sections] == ["competencies", "concerns", "recommendation", "culture"]
    comp = sop.section("competencies")
    assert [c.id for c in comp.criteria] == ["system_design"]
    assert comp.instructions == base.section("competencies").instructions


def test_extends_errors_point_at_the_child(tmp_path):
    (tmp_path / "a.yaml").write_text("id: a\nname: A\nextends: b\nsections: []\n")
    (tmp_path / "b.yaml").write_text("id: b\nname: B\nextends: a\nsections: []\n")
    with pytest.raises(SOPError, match="cycle"):
        load_sop(tmp_path / "a.yaml")
    bad = _error(
        """
        id: c
        name: C
        extends: meeting-action-items
        sections:
          - id: action_items
            fields:
              owner: {type: persn}
        """
    )
    assert "my.yaml:7: sections[2].fields.owner.type: 'persn' is not one of" in bad
    assert "no SOP 'nope'" in _error("id: c\nname: C\nextends: nope\n")
