"""Work run at the same moment as other work, for the tests of what two people doing
one thing at once leaves behind (on PostgreSQL, with its row locks)."""

import threading

from django.db import close_old_connections, connection


def in_thread(work, results: dict, key: str, start: threading.Barrier | None = None):
    """Run `work` in a thread of its own, with its own database connection, after
    every thread has reached `start` (if given); `results[key]` holds what it
    returned or the exception it raised. Returns the started thread, to join."""

    def run():
        try:
            if start is not None:
                start.wait(5)
            results[key] = work()
        except Exception as error:
            results[key] = error
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread
