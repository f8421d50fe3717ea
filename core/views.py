"""View mixins every app's pages share."""

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.views.generic import FormView

from core.errors import refusals_on

if TYPE_CHECKING:
    _FormView = FormView
else:
    _FormView = object


class ServiceFormMixin(_FormView):
    """A form view whose valid form is handed to one service: `perform(form)` calls
    it; a refusal goes on the form, which is shown again with what was typed; success
    shows `get_success_message()`, runs `succeeded()` and redirects to
    `get_success_url()`. `self.result` holds what the service returned."""

    success_message: Any = ""  # a (lazy) string

    def perform(self, form):
        raise NotImplementedError

    def get_success_message(self) -> str:
        return self.success_message

    def succeeded(self) -> None:
        """Anything more to do once the service has succeeded (a warning, say)."""

    def form_valid(self, form):
        with refusals_on(form):
            self.result = self.perform(form)
        if not form.is_valid():
            return self.form_invalid(form)
        if message := self.get_success_message():
            messages.success(self.request, message)
        self.succeeded()
        return HttpResponseRedirect(self.get_success_url())
