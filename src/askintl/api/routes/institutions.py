"""GET /v1/institutions: the institutions answers can be restricted to (``institutions`` in
/v1/ask), with their international office's contact, welcome text and starter questions from
the catalog's ``_institutions`` section (see askintl.contacts)."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request

from ...contacts import InstitutionDetails, by_institution
from ..deps import EngineDep
from ..schemas import MAX_INSTITUTIONS, ErrorOut, InstitutionOut

router = APIRouter(tags=["institutions"])
_DETAILS = InstitutionDetails()


@router.get("/v1/institutions", response_model=list[InstitutionOut], response_model_exclude_none=True,
            responses={422: {"model": ErrorOut}})
def list_institutions(request: Request, engine: EngineDep,
                      name: list[str] | None = Query(None, max_length=MAX_INSTITUTIONS,
                                                     description="only these (names or aliases; repeat the "
                                                                 "parameter); an unknown one is a 422")
                      ) -> list[InstitutionOut]:
    """Every indexed institution (or those named), with what the widget shows for it."""
    wanted = engine.resolve_institutions([n for n in name or [] if n.strip()] or None) if name else None
    docs: dict[str, list] = {}
    for d in engine.documents():
        if d.institution:
            docs.setdefault(d.institution, []).append(d)
    details = by_institution(_DETAILS.for_corpus(request.app.state.settings.corpus_dir), engine.resolve_institutions)
    out = []
    for inst in wanted if wanted is not None else sorted(docs, key=str.casefold):
        aliases = list(dict.fromkeys(a for d in docs.get(inst, []) for a in d.aliases if a != inst))
        out.append(InstitutionOut(name=inst, aliases=aliases, documents=len(docs.get(inst, [])),
                                  **details.get(inst, {})))
    return out


def offices_to_contact(request: Request, engine, scope: list[str] | None, named: list[str]) -> list[dict]:
    """Who to ask when askintl abstains, as the widget shows it: the institutions the question
    named (those in ``scope``, when there is one), else the scope's; each with its office's
    contact from the catalog, or None. [] when neither names one."""
    scope_names = engine.resolve_institutions(scope) or []
    names = [n for n in named if not scope_names or n in scope_names] or scope_names
    if not names:
        return []
    details = by_institution(_DETAILS.for_corpus(request.app.state.settings.corpus_dir), engine.resolve_institutions)
    return [{"institution": n, "contact": (details.get(n) or {}).get("contact")} for n in names]
