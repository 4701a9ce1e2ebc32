"""The learned clause model's loading and scoring path, and the row values, on fixtures made here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from reportgen.errors import ConfigError
from reportgen.extract.local.clause_model import MODEL_FILE, MODEL_VERSION, ClauseModel, load_model, unit_features
from reportgen.extract.local.clause_values import date_of, first_date, governing_law, parties_text, term_value
from reportgen.extract.local.clauses import Unit
from reportgen.models import Citation, Item, Section
from reportgen.validate.duplicates import merge_duplicates
from tests.test_local_contracts import TERMS


def unit(text: str, heading: str | None = None) -> Unit:
    return Unit(0, 0, len(text), text, 1, 0, heading, heading, None, True)


def tiny_model() -> dict:
    kinds = ["governing law", "assignment"]
    return {"version": MODEL_VERSION, "kinds": kinds, "meta": {}, "models": {
        "governing law": {"bias": -3.0, "platt_a": 1.0, "platt_b": 0.0, "threshold": 0.5,
                          "weights": {"w:governed": 2.0, "w:laws": 2.0, "h:law": 1.0}},
        "assignment": {"bias": -3.0, "platt_a": 2.0, "platt_b": -1.0, "threshold": 0.4,
                       "weights": {"w:assign": 3.0, "b:not_assign": 1.5}}}}


def test_scores_are_the_calibrated_linear_model() -> None:
    model = ClauseModel.from_json(tiny_model())
    units = [unit("This Agreement is governed by the laws of Texas.", "Governing Law"),
             unit("Neither party may not assign this Agreement."), unit("Prices exclude travel.")]
    p = model.probabilities(units)
    assert p.shape == (3, 2)
    assert p[0, 0] == pytest.approx(1 / (1 + np.exp(-(-3.0 + 2 + 2 + 1))))  # governed, laws, heading "law"
    assert p[1, 1] == pytest.approx(1 / (1 + np.exp(-(2.0 * (-3.0 + 3 + 1.5) - 1))))
    assert p[2].max() < 0.1 and model.threshold("assignment") == 0.4


def test_wrong_version_is_refused_with_what_to_do() -> None:
    with pytest.raises(ValueError, match="make train-cuad"):
        ClauseModel.from_json({**tiny_model(), "version": 0})


def test_shipped_model_loads_and_separates_kinds(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="make train-cuad"):  # never a quiet fall-back to the old rules
        load_model(tmp_path / "missing.json")
    model = load_model(MODEL_FILE)
    assert model is not None and json.loads(MODEL_FILE.read_text())["version"] == MODEL_VERSION
    units = [unit("This Agreement shall be governed by and construed in accordance with the laws of the State of "
                  "Delaware.", "Governing Law"),
             unit("Neither party may assign this Agreement without the prior written consent of the other party.",
                  "Assignment"),
             unit("The Supplier shall deliver the Products to the warehouse named in each purchase order.")]
    p = model.probabilities(units)
    law, assign = model.kinds.index("governing law"), model.kinds.index("assignment")
    assert p[0, law] >= model.threshold("governing law") and p[2, law] < model.threshold("governing law")
    assert p[1, assign] >= model.threshold("assignment") and p[2, assign] < model.threshold("assignment")


def test_features_carry_words_heading_and_position() -> None:
    f = unit_features(unit("Licensee shall not assign.", "12. Assignment"), 0, 10)
    assert {"w:assign", "b:not_assign", "h:assignment", "i:0", "r:0", "s:first"} <= set(f)
    assert "h:<num>" not in f


@pytest.mark.parametrize(("text", "law"), [
    ("This Agreement shall be governed by the laws of the State of New York, without regard to conflicts.",
     "New York"),
    ("THIS AGREEMENT SHALL BE GOVERNED BY THE LAWS OF THE STATE OF COLORADO, UNITED STATES.", "Colorado"),
    ("governed by the laws of the Province of Ontario and the federal laws of Canada applicable therein",
     "Ontario, Canada"),
    ("shall be governed by the laws of the People's Republic of China.", "People's Republic of China"),
    ("The parties shall meet monthly.", None),
])
def test_governing_law_value(text: str, law: str | None) -> None:
    assert governing_law(text) == law


def test_dates_terms_and_parties_values() -> None:
    assert first_date("made this 23rd day of September, 2016 by and between") == "September 23, 2016"
    assert first_date("entered into as of 6/21/99") == "6/21/99"
    assert first_date("made this ____ day of ________, 2004") == "____ day of ________, 2004"
    assert term_value("shall continue up to and including 28 February 2000 (the Initial Term).") == "February 28, 2000"
    assert term_value("shall automatically renew for successive one (1) year periods") == "successive 1 year"
    assert term_value("This Agreement will be in effect for three (3) years from the Effective Date",
                      date_of("made as of February 1, 2018")) == "February 1, 2021"
    assert term_value("unless either party gives notice at least sixty (60) days prior to the end") == "60 days"
    assert term_value("The term of this Agreement shall continue until terminated as provided herein.") == "perpetual"
    assert parties_text('This Agreement is made by and between 2TheMart.com, Inc., a Delaware corporation '
                        '("2TheMart"), and I-Escrow, Inc., a California corporation ("i-Escrow").') == (
        '2TheMart.com, Inc. ("2TheMart"); I-Escrow, Inc. ("i-Escrow")')


@pytest.mark.parametrize(("text", "said"), [
    ("is effective as of the 1.4.2011 (the Effective Date)", "April 1, 2011"),  # day first, as written abroad
    ("Dated 29/3/18\nDistributorship agreement", "March 29, 2018"),
    ("Project Cooperation Agreement\nJuly 2013", "July 2013"),
    ("effective as of the first day of July, 2017 (the Commencement Date)", "July 1, 2017"),
    ("is entered into as of this day of , 2012 by and between", "this day of , 2012"),  # the form's blank date
    ("effective as of June , 2010 (the Effective Date)", "June , 2010"),
    ("made as of 31 December,\n---------\n1996, between", "December 31, 1996"),
    ("The parties shall meet monthly.", None),
])
def test_dates_the_plain_pattern_misses(text: str, said: str | None) -> None:
    assert first_date(text) == said


def test_a_term_that_ends_with_another_agreement_is_not_perpetual() -> None:
    # CUAD calls a term with no fixed end "perpetual" only when nothing but a party's notice ends it
    assert term_value("shall continue in full force and effect until the expiration of the Sublicense Agreement") \
        is None
    assert term_value("This Agreement will commence on the Effective Date and will continue until termination as "
                      "provided below.") == "perpetual"
    assert term_value("shall continue unless and until either party gives notice to the other") == "perpetual"



def test_the_same_value_in_two_agreements_stays_two_rows() -> None:
    def row(doc: str, start: int) -> Item:
        cite = Citation(document_id=doc, quote="governed by the laws of the State of Delaware", char_start=start,
                        char_end=start + 45, status="exact", score=1.0)
        return Item(fields={"clause": "governing law", "summary": "Delaware"}, citations=[cite])

    section = Section(id="contract_terms", title="Key contract terms", kind="table",
                      items=[row("msa", 10), row("nda", 40), row("msa", 900)])
    merge_duplicates(TERMS, section)
    assert [i.citations[0].document_id for i in section.items] == ["msa", "nda"]  # msa's repeat folds in
    assert len(section.items[0].citations) == 2 and "duplicate-merged" in section.items[0].flags[0]


def test_the_cuad_commands_say_when_the_corpus_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from reportgen.evals import cuad, cuad_train

    assert cuad.main(["--corpus", str(tmp_path)]) == 2
    assert "master_clauses.csv not found" in capsys.readouterr().err
    assert cuad_train.main(["--corpus", str(tmp_path), "--check"]) == 2
    assert "pass the shared corpus folder" in capsys.readouterr().err
