"""Every form, the admin's included, answers random and hostile input without a 500.

Each page of the role-by-URL table is opened by a role it is for; each POST form on it
is sent FUZZ_ROUNDS random submissions (24 in the suite; `--fuzz-rounds 200` for more,
`--fuzz-seed` to repeat a run). The admin's add and change pages and its own pages are
sent the same as the programme manager.
"""

import random

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse

from tests.access.forms import post_forms, submission
from tests.access.test_admin_access import _custom_admin_pages
from tests.access.test_role_url_access import ACCESS, OK, ROLES
from tests.factories import placements as placement_factories

pytestmark = pytest.mark.shared_cast

# Who opens a page, of those it is for: the people whose forms are richest first.
PREFERENCE = ("staff", "coordinator", "supervisor", "manager", "other_coordinator", "anonymous")
assert set(PREFERENCE) == set(ROLES)
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
# Signing out ends the session the other submissions need; it has no fields.
SKIP = {"account_logout"}


def _opener(expectations) -> str | None:
    return next((role for role in PREFERENCE if expectations[role] == OK), None)


def _fuzz(client, url: str, *, rounds: int, seed: int, user=None) -> int:
    """Send each POST form at `url` `rounds` random submissions as `user` (signed in
    again before each, as one may sign them out); return how many forms."""
    session = None
    if user is not None:
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page = client.get(url)
    assert page.status_code == 200, url
    if page.streaming or "html" not in page.get("Content-Type", ""):
        return 0  # a file: no forms
    forms = post_forms(page.content.decode())
    rng = random.Random(f"{seed}:{url}")  # noqa: S311  # reproducible, not secret
    for form in forms:
        action = form.action or url
        answered = 0
        for _ in range(rounds):
            data = submission(form, rng)
            try:
                with transaction.atomic():
                    response = client.post(action, data)
                    transaction.set_rollback(True)  # each submission on the same records
            except Exception as error:
                pytest.fail(f"POST {action} raised {error!r} for {data!r}", pytrace=False)
            assert response.status_code < 500, (action, data)
            answered += not response.get("Location", "").startswith(LOGIN_PATHS)
            if session is not None:  # signed in again, if the submission signed them out
                client.cookies[settings.SESSION_COOKIE_NAME] = session
        # The submissions reached the form's view, not just the sign-in page.
        assert answered, action
    return len(forms)


@pytest.fixture
def fuzz_settings(request):
    return request.config.getoption("fuzz_rounds"), request.config.getoption("fuzz_seed")


@pytest.mark.parametrize(
    "name", [name for name, (_kwargs, expected) in ACCESS.items() if name not in SKIP]
)
def test_site_forms_never_answer_500(client, cast, name, fuzz_settings):
    kwargs, expectations = ACCESS[name]
    role = _opener(expectations)
    if role is None:
        return  # nobody opens it: a redirect or a 404 for everyone
    user = None if role == "anonymous" else getattr(cast, role)
    url = reverse(name, kwargs=kwargs(cast) if callable(kwargs) else kwargs)
    rounds, seed = fuzz_settings

    _fuzz(client, url, rounds=rounds, seed=seed, user=user)


MODELS = sorted(
    f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry
)


def _model_pages(cast, label: str) -> list[str]:
    """A model's add page and the change page of its first record, where the programme
    manager may open them."""
    model = apps.get_model(label)
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/admin/")
    request.user = cast.manager
    info = (model._meta.app_label, model._meta.model_name)
    pages = []
    if model_admin.has_add_permission(request):
        pages.append(reverse("admin:{}_{}_add".format(*info)))
    instance = model.objects.order_by("pk").first()
    if instance is not None and model_admin.has_view_or_change_permission(request, instance):
        pages.append(reverse("admin:{}_{}_change".format(*info), args=[instance.pk]))
    return pages


@pytest.mark.parametrize("label", [*MODELS, "the admin's own pages"])
def test_admin_forms_never_answer_500(client, cast, label, fuzz_settings):
    rounds, seed = fuzz_settings
    if label in MODELS:
        # Records for the change pages, with a claim for the placement's inline.
        placement_factories.claim(placement_factories.confirmed_a(cast))
        pages = _model_pages(cast, label)
    else:
        pages = _custom_admin_pages(cast)

    for page in pages:
        _fuzz(client, page, rounds=rounds, seed=seed, user=cast.manager)
