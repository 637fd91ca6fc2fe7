"""Every table of the domain layer, imported in one place for Alembic and the tests."""

from workflows.audit import indexes as _audit_indexes  # noqa: F401  (declares audit and task indexes)
from workflows.delivery.models import NotificationPreference, UserNotification
from workflows.directive.reminder_rounds import ReminderRound
from workflows.directive.tracking import UnitTracking
from workflows.forms.designed_models import DesignedForm
from workflows.notifications import Notification
from workflows.orgchart.calendar_days import CalendarDay, CalendarRevision
from workflows.orgchart.models import RecipientGroup, RoleAssignment, Setting, Unit, User
from workflows.orgchart.substitutes import Substitution
from workflows.registers.models import IncomingDocument, IssuedNumber, NumberCounter, OutgoingDocument
from workflows.supervision import indexes as _supervision_indexes  # noqa: F401  (declares task indexes)

__all__ = [
    "CalendarDay",
    "CalendarRevision",
    "DesignedForm",
    "IncomingDocument",
    "IssuedNumber",
    "Notification",
    "NotificationPreference",
    "NumberCounter",
    "OutgoingDocument",
    "RecipientGroup",
    "ReminderRound",
    "RoleAssignment",
    "Setting",
    "Substitution",
    "Unit",
    "UnitTracking",
    "User",
    "UserNotification",
]
