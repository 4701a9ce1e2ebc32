"""Report -> HTML through Jinja2: the base template, a per-SOP override, and a user's own folder.

The same HTML is the PDF's source (WeasyPrint applies the print rules in report.css), so it is
self-contained: the stylesheet is inlined and nothing is fetched.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jinja2

from reportgen.errors import RenderError
from reportgen.models import Document, Report
from reportgen.render import labels, view
from reportgen.resources import templates_dir

BASE_TEMPLATE = "report.html"
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@lru_cache(maxsize=16)
def environment(template_dir: str | None = None) -> jinja2.Environment:
    """The user's folder is searched first, so it may replace report.html, report.css or sops/<id>.html."""
    folders = [str(templates_dir())]
    if template_dir:
        folders.insert(0, template_dir)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["direction"] = labels.direction
    env.filters["heading"] = labels.heading
    return env


def template_names(sop_id: str) -> list[str]:
    """The SOP's own override first (sops/<sop_id>.html), then the base template."""
    return [f"sops/{sop_id}.html", BASE_TEMPLATE] if _SAFE_ID.match(sop_id) else [BASE_TEMPLATE]


def render_html(
    report: Report,
    *,
    template_dir: Path | str | None = None,
    documents: list[Document] | None = None,
    for_print: bool = False,
) -> str:
    """The report as one HTML page (screen and print styles both included).

    `for_print` drops what only a screen needs (the clickable endnote list), which the PDF
    shows as footnotes instead.
    """
    if template_dir is not None and not Path(template_dir).is_dir():
        raise RenderError(f"template folder {template_dir} does not exist; pass a folder holding report.html "
                          "or sops/<sop_id>.html, or leave the option out to use the built-in templates")
    env = environment(str(Path(template_dir).resolve()) if template_dir is not None else None)
    try:
        template = env.select_template(template_names(report.sop_id))
        return template.render(v=view.build(report, documents), r=report, for_print=for_print,
                               passages_heading=view.PASSAGES_HEADING, passages_intro=view.PASSAGES_INTRO)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"template {exc.filename or exc.name}, line {exc.lineno}: {exc.message}; "
                          "fix the template or remove it from the template folder") from exc
    except jinja2.TemplateError as exc:
        raise RenderError(f"template error while rendering report {report.id}: {exc}; "
                          "check the custom templates in the template folder") from exc
