"""Which models a route needs that are not here: known before anything is generated.

A model is here when it is a folder or file, in the model store, or the extractive engine
(`reference.available_offline`); otherwise it can only come from the Hugging Face hub, which is asked once
per process. A language whose route needs a model that is neither is refused before the summariser
runs, naming that model and the one command that fetches it, so that no time is spent on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..models.hub import missing_sentence
from ..models.reference import available_offline
from .article import Article
from .routing import Router


def absent(names: Iterable[str]) -> list[str]:
    """The models of `names` (each once, in order) that cannot be loaded without the hub."""
    return [name for name in dict.fromkeys(names) if not available_offline(name)]


def missing_models(router: Router, targets: Sequence[str], source: str) -> dict[str, list[str]]:
    """Target -> the models its route for a `source` article needs that are neither here nor reachable."""
    from ..models.hub import hub_reachable

    if not targets:
        return {}
    plan = router.plan(targets, source).chains
    gone = set(absent(name for chain in plan.values() for name in chain))
    if not gone or hub_reachable():
        return {}
    return {lang: [name for name in chain if name in gone] for lang, chain in plan.items()
            if any(name in gone for name in chain)}


def unreachable_message(names: Sequence[str]) -> str:
    return f"needs {missing_sentence(names)}"


def refuse_unreachable(articles: list[Article]) -> None:
    """Each article's targets whose route needs a model that is neither here nor reachable become that language's
    error (the others go on). The summariser is settled already (loaded, or replaced by the extractive engine,
    whose summary is in the article's language and is translated from it)."""
    from ..models.hub import hub_reachable

    if hub_reachable():  # checked once per process: then nothing is looked up per request
        return
    for art in articles:
        chains = art.route.chains
        for lang in [target for target in art.targets if target != art.source]:
            names = absent(name for name in chains[lang] if name != art.route.summarizer_model)
            if names:
                art.fail_language(lang, unreachable_message(names))
                art.targets = tuple(target for target in art.targets if target != lang)
