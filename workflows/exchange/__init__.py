"""Document interconnection (liên thông văn bản): packages exchanged with other e-office systems.

Modules: ``header`` (the header of a package as plain values, and the số, ký hiệu rules),
``edxml`` (packages in the edXML format of QCVN 102:2016/BTTTT), ``checks`` (what a receiver
refuses, with the reasons). This module holds only the
package's exception hierarchy, so that the submodules can import it without a cycle.
"""

from __future__ import annotations


class ExchangeError(Exception):
    """Base class of the errors raised by the exchange package."""


class PackageInvalid(ExchangeError):
    """A package is refused (when read) or would be refused by its receiver (when built).

    The reason is given in Vietnamese for the clerk and in English for the log; ``str()`` is the
    Vietnamese one.
    """

    def __init__(self, reason_vi: str, reason_en: str) -> None:
        super().__init__(reason_vi)
        self.reason_vi = reason_vi
        self.reason_en = reason_en
