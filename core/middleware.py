"""Pages shown to someone signed in hold their data (applications, access needs,
placements, reports): browsers, proxies and shared computers must not keep them."""

from django.utils.cache import add_never_cache_headers


class PrivatePagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            # max-age=0, no-cache, no-store, must-revalidate, private (a view that says
            # otherwise, such as a download's "private, no-store", is left as it is)
            add_never_cache_headers(response)
        return response
