from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from publications.selectors import work_get


def work_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    work = work_get(arxiv_id=arxiv_id)
    return render(request, "publications/work_detail.html", {"work": work})
