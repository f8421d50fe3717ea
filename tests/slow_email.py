"""An email backend for the worker-restart test: files, written slowly."""

import os
import time

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        time.sleep(float(os.environ["TEST_EMAIL_DELAY"]))
        return super().send_messages(email_messages)
