"""Send an e-mail once: the deterministic Message-ID is recorded, and a recorded id is never sent again."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from agent.mail.compose import compose
from agent.mail.outgoing import Sender
from agent.models import OutboundMessage
from agent.templating import RenderedEmail


def already_sent(session: Session, message_id: str) -> bool:
    return (
        session.exec(select(OutboundMessage).where(OutboundMessage.message_id == message_id)).first()
        is not None
    )


def send_once(
    session: Session,
    sender: Sender,
    *,
    message_id: str,
    purpose: str,
    from_address: str,
    recipient: str,
    rendered: RenderedEmail,
    at: datetime,
    reply_to: str | None = None,
    in_reply_to: str | None = None,
) -> bool:
    """True when sent now, False when this Message-ID went out before (a re-run, a resumed node)."""
    if already_sent(session, message_id):
        return False
    message = compose(
        sender=from_address,
        recipient=recipient,
        subject=rendered.subject,
        text=rendered.text,
        message_id=message_id,
        sent_at=at,
        reply_to=reply_to,
        in_reply_to=in_reply_to,
        references=[in_reply_to] if in_reply_to else None,
        language=rendered.language,
    )
    sender.send(message)
    session.add(
        OutboundMessage(
            message_id=message_id,
            purpose=purpose,
            recipient=recipient,
            subject=rendered.subject,
            language=rendered.language,
            sent_at=at,
        )
    )
    session.flush()
    return True
