"""The data model: one SQLModel family per entity.

Importing this package registers every table on `SQLModel.metadata` (Alembic's env.py relies on it).
"""

from agent.models.account import Account, Contact
from agent.models.api_batch import ApiBatch, ApiBatchFile
from agent.models.api_token import ApiToken
from agent.models.audit import AuditEvent, SyncState
from agent.models.document import Document, Layout
from agent.models.ledger import Allocation, CreditNote, Invoice, Payment, PaymentImport
from agent.models.message import InboundMessage, OutboundMessage
from agent.models.reminder import Reminder
from agent.models.task import Task
from agent.models.user import User, WebSession

__all__ = [
    "Account",
    "Allocation",
    "ApiBatch",
    "ApiBatchFile",
    "ApiToken",
    "AuditEvent",
    "Contact",
    "CreditNote",
    "Document",
    "InboundMessage",
    "Invoice",
    "Layout",
    "OutboundMessage",
    "Payment",
    "PaymentImport",
    "Reminder",
    "SyncState",
    "Task",
    "User",
    "WebSession",
]
