"""Every URL pattern the project defines, by its namespaced name."""

from django.urls import URLPattern, URLResolver, get_resolver

# Django's admin defines several URLs per registered model; its own sign-in and
# per-model permissions are tested in tests/access/test_admin_access.py.
EXCLUDED_NAMESPACES = ("admin",)


def _walk(patterns, namespace=None, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            if inner and namespace:
                inner = f"{namespace}:{inner}"
            yield from _walk(
                pattern.url_patterns, inner or namespace, prefix + str(pattern.pattern)
            )
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = pattern.name or f"<unnamed {route}>"
            yield f"{namespace}:{name}" if namespace else name


def project_url_names(urlconf: str | None = None) -> set[str]:
    names = set(_walk(get_resolver(urlconf).url_patterns))
    return {
        name
        for name in names
        if not any(name.startswith(f"{excluded}:") for excluded in EXCLUDED_NAMESPACES)
    }


def missing_from(table: dict, urlconf: str | None = None) -> set[str]:
    """URL names the project defines that the access table does not list."""
    return project_url_names(urlconf) - set(table)
