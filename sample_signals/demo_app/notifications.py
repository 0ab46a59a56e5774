"""The daily digest e-mail, sent through the configured SMTP relay."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from demo_app import settings
from demo_app.reports import summary


def build_digest(team_id: int, to: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"Teamboard digest for team {team_id}"
    message["From"] = "digest@teamboard.example"
    message["To"] = to
    card = summary(team_id)
    message.set_content(f"{card['done']} of {card['tasks']} tasks done.")
    return message


def send_digest(team_id: int, to: str) -> None:
    message = build_digest(team_id, to)
    host = settings.get("notifications.smtp_host")
    port = int(settings.get("notifications.smtp_port", "25"))
    with smtplib.SMTP(host, port, timeout=10) as smtp:
        smtp.send_message(message)
