"""Running the application under gunicorn, the production server, from our own command."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class GunicornApplication(BaseApplication):  # type: ignore[misc]
    """Gunicorn serving an application built by our factory in each worker (after the fork)."""

    def __init__(self, factory: Callable[[], Flask], options: Mapping[str, Any]) -> None:
        self.factory = factory
        self.options = dict(options)
        super().__init__()

    def load_config(self) -> None:
        # Gunicorn 25+ opens a control socket at one path per user by default: a second server on
        # the machine (another installation, a test) would take it over. Nothing here uses it.
        if "control_socket_disable" in self.cfg.settings:
            self.cfg.set("control_socket_disable", True)
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.factory()
