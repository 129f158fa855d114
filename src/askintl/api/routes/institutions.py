"""GET /v1/institutions: the institutions answers can be restricted to (``institutions`` in
/v1/ask), with their international office's contact, welcome text and starter questions from
the catalog's ``_institutions`` section (see askintl.contacts)."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request

from ...contacts import InstitutionDetails
from ...errors import InvalidRequestError
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
    details: dict[str, dict] = {}
    for key, entry in _DETAILS.for_corpus(request.app.state.settings.corpus_dir).items():
        try:  # keyed by name or alias; one that is not indexed is left out
            (found,) = engine.resolve_institutions([key])
        except InvalidRequestError:  # an unknown key only means no details
            continue
        details.setdefault(found, entry)
    out = []
    for inst in wanted if wanted is not None else sorted(docs, key=str.casefold):
        aliases = list(dict.fromkeys(a for d in docs.get(inst, []) for a in d.aliases if a != inst))
        out.append(InstitutionOut(name=inst, aliases=aliases, documents=len(docs.get(inst, [])),
                                  **details.get(inst, {})))
    return out
