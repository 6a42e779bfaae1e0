"""The full graph explorer at /graph/: centred on an author record, a work or a topic."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from graph.selectors import graph_centre_get, graph_centre_search
from graph.slicing import DEFAULT_LIMIT, NODE_KINDS


def explorer(request: HttpRequest) -> HttpResponse:
    """?author=<slug>, ?work=<arXiv id> or ?topic=<code> centres the explorer; ?q= searches for a
    centre and goes straight to it when there is a single match. At most 3 queries."""
    params = {
        k: request.GET[k].strip()
        for k in ("author", "work", "topic")
        if request.GET.get(k, "").strip()
    }
    q = request.GET.get("q", "").strip()
    centre = None
    results = []
    error = ""
    status = 200
    if len(params) > 1:
        error = "Centre the graph on one author, work or topic at a time."
        status = 400
    elif params:
        centre = graph_centre_get(**params)  # 404 for an unknown centre
    elif q:
        results = graph_centre_search(q=q)
        if len(results) == 1:
            centre = results[0]
            results = []
        elif not results:
            error = f"Nothing matches “{q}”: try a name, an arXiv id (2101.04061) or a category (astro-ph.GA)."
    context = {
        "centre": centre,
        "centre_params": {centre.expand_param: centre.expand_value} if centre else None,
        "q": q,
        "results": results,
        "error": error,
        "kinds": NODE_KINDS,
        "limit": DEFAULT_LIMIT,
    }
    return render(request, "graph/explorer.html", context, status=status)
