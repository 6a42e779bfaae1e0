from django.http import HttpRequest, HttpResponse


def ping(request: HttpRequest) -> HttpResponse:
    """The trivial view: no database, no template. The page benchmarks compare against it."""
    return HttpResponse("ok", content_type="text/plain")
