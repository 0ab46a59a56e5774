# ruff: noqa: E501  (the reports are prose: a line each reads as a person wrote it)
"""A labeled set of bug reports shaped like a public issue tracker's: free text only.

    .venv/bin/python sample_signals/tracker_reports/generate.py
    .venv/bin/overnight triage --evaluate sample_signals/tracker_reports/expected_groups.jsonl

Reports about "Petrel", an imagined cross-platform desktop e-mail client, written here for
Overnight the way people file issues on GitHub: a title (sometimes one that says nothing,
"Bug", "Crash"), a body from the issue form (### headings, "_No response_" where a field was
left empty, checkboxes, an environment block), or the older markdown template with its
placeholder sentences left in, or no template at all; pasted logs and stack traces,
screenshot links, second-language English, "same here" reports. Each duplicate group is one
fault, often told from different symptoms; each product area holds several faults, so hard
negatives (the same area, a different fault) sit beside the duplicates. No text is taken
from any tracker.

The labels are the group names below. A report's group is its fault; singletons are faults
reported once (group `single-...`). Everyone is a different person except two, who each
report two different faults, as happens on real trackers.
"""

from __future__ import annotations

import json
import random
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parent / "expected_groups.jsonl"

# ---------------------------------------------------------------------------------------------
# How the reports are rendered: the issue form, the old markdown template, or free text.

_CHECKS = (
    "### Checklist\n\n"
    "- [x] I searched the existing issues and this is not a duplicate\n"
    "- [x] I am using the latest release of Petrel\n"
    "- [ ] I can reproduce this with all add-ons disabled"
)


def _env(env: str) -> str:
    """`version|os|installed from|provider` as the form's Environment block."""
    version, system, install, provider = env.split("|")
    return (
        f"- Petrel version: {version}\n- Operating system: {system}\n"
        f"- Installed from: {install}\n- Mail provider: {provider}"
    )


def form(
    title: str,
    what: str,
    env: str,
    steps: list[str] | None = None,
    expected: str | None = None,
    actual: str | None = None,
    logs: str | None = None,
    extra: str | None = None,
) -> tuple[str, str]:
    """The issue form of the tracker: every heading, `_No response_` where left empty."""
    none = "_No response_"
    steps_text = "\n".join(f"{n}. {s}" for n, s in enumerate(steps, 1)) if steps else none
    logs_text = f"```shell\n{logs}\n```" if logs else none
    body = (
        f"### Describe the bug\n\n{what}\n\n"
        f"### Steps to reproduce\n\n{steps_text}\n\n"
        f"### Expected behavior\n\n{expected or none}\n\n"
        f"### Actual behavior\n\n{actual or none}\n\n"
        f"### Relevant log output\n\n{logs_text}\n\n"
        f"### Environment\n\n{_env(env)}\n\n"
        f"### Additional context\n\n{extra or none}\n\n{_CHECKS}"
    )
    return title, body


def old(
    title: str, what: str, env: str, expected: str | None = None, extra: str | None = None
) -> tuple[str, str]:
    """The older markdown template, its placeholder sentences left in where not filled."""
    version, system, _install, _provider = env.split("|")
    body = (
        f"**Describe the bug**\n{what}\n\n"
        "**To Reproduce**\nSteps to reproduce the behavior:\n1. Go to '...'\n2. Click on '....'\n3. See error\n\n"
        f"**Expected behavior**\n{expected or 'A clear and concise description of what you expected to happen.'}\n\n"
        "**Screenshots**\n"
        + (extra or "If applicable, add screenshots to help explain your problem.")
        + f"\n\n**Desktop (please complete the following information):**\n - OS: {system}\n - Version: {version}\n\n"
        "**Additional context**\nAdd any other context about the problem here."
    )
    return title, body


def free(title: str, text: str) -> tuple[str, str]:
    """No template: the person deleted it and wrote their own words."""
    return title, text


def shot(name: str) -> str:
    """A screenshot link as the tracker writes one for a pasted image."""
    return f"![{name}](https://tracker-uploads.example.net/petrel/{zlib.crc32(name.encode()) % 90000 + 10000}/{name}.png)"


# ---------------------------------------------------------------------------------------------
# The reports: (group, [report, ...]); a group of one is a singleton. Within a group the first
# report is the first to arrive. Product areas: accounts, sync, composer, attachments,
# notifications, search, calendar invites, appearance, start-up and crashes, filters,
# contacts, printing and the rest.

PROBLEMS: list[tuple[str, list[tuple[str, str]]]] = [
    # --- accounts ------------------------------------------------------------------------
    (
        "accounts-google-signin-blank",
        [
            form(
                "Can't add Gmail account - sign in window is blank",
                "When I add a Google account the sign-in window opens but it stays completely white. No login form, no error, nothing.",
                "4.2.0|Windows 11 23H2|installer|Gmail",
                steps=["Settings > Accounts > Add account", "Choose Google", "Wait"],
                expected="The Google login page where I can type my address.",
                actual="An empty white popup. I can only close it.",
                extra="Tried with the firewall switched off, same thing. Outlook.com account works.",
            ),
            form(
                "Google login popup empty",
                "Fresh install of Petrel 4.2.0 (flatpak) on Fedora 39. Clicking 'Sign in with Google' opens a small window with nothing inside, just white. Resizing it doesn't help. My Fastmail account was added without problem so it's only the Google flow.",
                "4.2.0|Fedora 39 KDE Plasma|Flatpak|Gmail",
                steps=["Add account", "Sign in with Google"],
                actual="Blank white window, no way to type anything.",
            ),
            form(
                "OAuth window white",
                "I am not able to connect my gmail. The window for authorize is opening but it is empty white, I wait some minutes and nothing happen.",
                "4.2.1|macOS 14.4 Sonoma (Apple M1)|dmg|Gmail",
                logs="[auth] opening consent window for provider=google\n[auth] webview did-fail-load code=-27 ERR_BLOCKED_BY_RESPONSE url=https://accounts.google.com/o/oauth2/v2/auth?client_id=...\n[auth] consent window still open after 120s",
            ),
            free(
                "Bug",
                "same for me with a google account, the login window stays white. 4.2.1 on windows 10",
            ),
        ],
    ),
    (
        "accounts-password-forgotten-linux",
        [
            form(
                "Asks for IMAP password every time I start the app",
                "Petrel forgets the password of my IMAP account at each restart, even though 'Remember password' is checked.",
                "4.1.3|Ubuntu 22.04, GNOME on Wayland|.deb|Fastmail (IMAP)",
                steps=[
                    "Add an IMAP account, tick Remember password",
                    "Quit Petrel",
                    "Start it again",
                ],
                expected="It logs in by itself.",
                actual="The 'Enter password for ...' dialog every single start.",
                logs="[keyring] org.freedesktop.secrets not available on the session bus, using in-memory store\n[account] credentials for acct-2 not found in store",
            ),
            old(
                "Password not saved",
                "Every launch I get the password dialog for both of my accounts. I use KDE and KWallet is enabled. Other apps store passwords fine.",
                "4.2.0|Fedora 39 KDE Plasma|Flatpak|self-hosted Dovecot",
                expected="Password should be saved",
            ),
            free(
                "Have to log in every morning",
                "Every morning when I open Petrel I need to type my password again for both accounts. On Arch with Sway. After I installed gnome-keyring and started it from my sway config it remembers them, so the app probably needs a secret service running. Maybe it could at least say so instead of silently forgetting?",
            ),
        ],
    ),
    (
        "single-accounts-m365-authenticate-failed",
        [
            form(
                "Microsoft 365 account: AUTHENTICATE failed",
                "Adding my work account (Microsoft 365, modern auth) fails right after the Microsoft login page succeeds.",
                "4.2.1|Windows 11 23H2|Microsoft Store|Microsoft 365",
                steps=["Add account > Microsoft", "Login and approve MFA", "Back in Petrel"],
                expected="Account is added",
                actual="Red banner: 'IMAP: AUTHENTICATE failed'",
                logs="[imap] outlook.office365.com:993 connected\n[imap] A1 AUTHENTICATE XOAUTH2 ****\n[imap] A1 NO AUTHENTICATE failed.",
                extra="Our admin says IMAP is enabled for my mailbox.",
            ),
        ],
    ),
    (
        "single-accounts-removed-comes-back",
        [
            free(
                "Removed account comes back after restart",
                "I removed an old Yahoo account in Settings > Accounts. It disappears, but when I restart Petrel it is back in the sidebar with all its folders and it starts syncing again. Petrel 4.2.0, macOS 13.6.",
            ),
        ],
    ),
    # --- sync ------------------------------------------------------------------------------
    (
        "sync-stops-after-sleep",
        [
            form(
                "New emails don't arrive after laptop wakes from sleep",
                "After the laptop comes back from sleep Petrel stops receiving mail.",
                "4.2.0|Windows 11 23H2|installer|Gmail, Fastmail (IMAP)",
                steps=["Open Petrel, all fine", "Close the lid, wait 30 min", "Open the lid"],
                expected="New mail shows up as before.",
                actual="The inbox stays as it was until I quit and reopen Petrel. The refresh button spins but nothing comes.",
            ),
            form(
                "Mail stops syncing after a while",
                "I leave petrel open all day. At some point (I think after lunch, when the mac was locked and went to sleep) it just stops getting new mail. My phone shows the new messages, petrel not. Restarting fixes it until the next time. 4.2.1, Sonoma.",
                "4.2.1|macOS 14.4 Sonoma (Apple M1)|dmg|Gmail",
                expected="Petrel keeps fetching mail all day.",
                actual="No new mail after the mac slept, until I restart the app.",
            ),
            form(
                "No new mail until restart",
                "Inbox not updating anymore, see log. Restarting helps.",
                "4.2.1|Ubuntu 22.04, GNOME on Wayland|Snap|self-hosted Dovecot",
                logs="[imap] IDLE on INBOX (acct-1) started\n[power] system resume detected\n[imap] IDLE connection to mail.example.org closed: ETIMEDOUT\n[imap] acct-1 state=suspended, skipping reconnect",
            ),
            free(
                "Not receiving emails after resume",
                "Same problem here after resume from suspend. Petrel 4.2.1 on Ubuntu 22.04, have to restart it to get new mails.",
            ),
            free(
                "Inbox not updating",
                "Hello, since the version 4.2 the mails are not coming anymore when the computer was in standby. Only when I close the program and open again they are there. It is with all my accounts. Windows 10.",
            ),
        ],
    ),
    (
        "sync-large-folder-stuck",
        [
            form(
                "Initial sync stuck at 'Syncing 0 of 48213' and fans at 100%",
                "I added my work account that has a big Archive folder. The status bar shows 'Syncing Archive: 0 of 48213' and the number never moves, for hours.",
                "4.2.0|macOS 13.6 Ventura (Intel)|dmg|Microsoft 365",
                expected="Sync progresses and finishes.",
                actual="Counter stays at 0, CPU is at 100% and the fans are loud.",
            ),
            free(
                "High CPU usage",
                "Petrel uses 100% of one core all the time. Activity monitor says 'Petrel Helper'. The status bar says it is syncing my 'All Mail' and the number never changes. The account has about 60 thousand mails. 4.2.1 macOS 14.",
            ),
            old(
                "Sync never finishes for big mailbox",
                "For the folder with 70k messages sync never completes. The log shows it keeps starting the first batch again and again:\n\n```\n[sync] INBOX/Archive: fetching UID range 1:*\n[sync] INBOX/Archive: batch 1/97\n[sync] INBOX/Archive: fetch timeout, restarting folder\n[sync] INBOX/Archive: batch 1/97\n```",
                "4.2.1|Windows 10 22H2|installer|self-hosted Dovecot",
            ),
        ],
    ),
    (
        "sync-deleted-messages-reappear",
        [
            form(
                "Deleted emails come back after a few minutes",
                "When I delete an email it disappears, and a few minutes later it is back in the inbox, unread.",
                "4.2.0|Windows 11 23H2|installer|Gmail",
                steps=["Select a message", "Press Delete", "Wait for the next sync"],
                expected="The message stays in Trash.",
                actual="It is back in Inbox.",
            ),
            form(
                "Messages I delete reappear in inbox",
                "I delete spam, it's gone, next sync it's back. In settings the trash folder is set to [Gmail]/Trash. Using 4.2.1 on Fedora.",
                "4.2.1|Fedora 39 KDE Plasma|Flatpak|Gmail",
                steps=["Delete a message in Inbox", "Wait a few minutes"],
                actual="The deleted message is in Inbox again.",
            ),
            free(
                "Can't get rid of emails",
                "I move messages to the trash and they keep returning. When I check webmail they are still in the inbox there, so it seems the delete is never sent to the server. My provider is iCloud. macOS 14.4, Petrel 4.2.1.",
            ),
        ],
    ),
    (
        "single-sync-sent-twice",
        [
            form(
                "Every sent message appears twice in Sent",
                "Each mail I send shows up two times in the Sent folder. On the server there are also two copies.",
                "4.2.0|Windows 11 23H2|installer|Microsoft 365",
                expected="One copy in Sent.",
                actual="Two identical copies; the server already saves a copy and Petrel uploads another.",
                extra="Maybe Petrel should not append to Sent for Microsoft 365 since the server does it already.",
            ),
        ],
    ),
    (
        "single-sync-proxy-ignored",
        [
            old(
                "Proxy settings are ignored",
                "At work we must go through an HTTP proxy. I set it in Settings > Network > Proxy but Petrel still connects directly (I see it in our firewall log) and times out. The system proxy option doesn't work either. Windows 10, 4.2.1.",
                "4.2.1|Windows 10 22H2|installer|Microsoft 365",
            ),
        ],
    ),
    # --- composer ------------------------------------------------------------------------
    (
        "compose-draft-not-autosaved",
        [
            form(
                "Draft lost when closing compose window",
                "If I close the compose window (or it closes by itself) the text I wrote is gone, there is nothing in Drafts.",
                "4.2.0|Windows 10 22H2|installer|Outlook.com",
                steps=[
                    "Write a new mail for a few minutes",
                    "Close the compose window with the X",
                    "Look in Drafts",
                ],
                expected="The draft is in Drafts, or at least a 'Save draft?' question.",
                actual="No draft, no question, the text is lost.",
            ),
            free(
                "Lost a long email",
                "I wrote an email for almost an hour, then Petrel crashed (different issue). When I reopened it the Drafts folder was empty. Is autosave even working?? This is really bad. macOS 14.4, 4.2.1",
            ),
            form(
                "Autosave of drafts doesn't work",
                "The setting 'Save drafts automatically every 1 minute' is on, but the draft only appears in the Drafts folder when I press Save myself.",
                "4.2.1|Ubuntu 22.04, GNOME on Wayland|.deb|Gmail",
                expected="A draft saved every minute.",
                actual="Nothing is saved until I click Save.",
                extra=shot("drafts-setting"),
            ),
            free(
                "Reply window discards text",
                "Closing the reply window throws away what I typed without asking. Happened twice today. Win 11.",
            ),
        ],
    ),
    (
        "compose-spellcheck-language-stuck",
        [
            form(
                "Spell check always uses English",
                "My emails are in German and every word is underlined red. I changed the language in Settings > Composer > Spelling to Deutsch but it keeps checking English.",
                "4.2.0|Windows 11 23H2|installer|Gmail",
                expected="German words not underlined.",
                actual="Everything red.",
                extra=shot("spelling-red"),
            ),
            form(
                "Spelling language setting doesn't stick",
                "I choose Español in the spelling dropdown, it works for this session, after restart it is back to English (US). 4.2.1 on Fedora 39.",
                "4.2.1|Fedora 39 KDE Plasma|Flatpak|Fastmail (IMAP)",
                steps=["Settings > Composer > Spelling language: Español", "Restart Petrel"],
                expected="Still Español.",
                actual="English (US) again and all my Spanish is underlined.",
            ),
            free(
                "Spellchecker marks all french words",
                "Bonjour, the corrector is underlining all my french text even if I put French in the settings. It is like it use only the english dictionnary. Petrel 4.2.1, Windows 10.",
            ),
        ],
    ),
    (
        "compose-paste-office-spacing",
        [
            form(
                "Pasting from Word adds huge gaps between lines",
                "When I paste a paragraph from Word into the composer, every line gets a big empty space after it, and the recipient sees the same gaps.",
                "4.2.0|Windows 11 23H2|installer|Microsoft 365",
                steps=["Copy some lines in Word", "Paste into a new mail"],
                expected="Same spacing as in Word.",
                actual="Double or triple spacing between every line.",
            ),
            free(
                "copy paste from LibreOffice breaks spacing",
                "pasted text from libreoffice writer comes in with extra blank lines between paragraphs, I have to remove them by hand every time. plain text paste (ctrl+shift+v) is fine. ubuntu 22.04",
            ),
        ],
    ),
    (
        "single-compose-signature-image",
        [
            form(
                "Signature image not shown to recipients",
                "I have an HTML signature with our logo. In Petrel it looks fine, but recipients on Outlook see a broken image icon instead of the logo.",
                "4.2.1|macOS 13.6 Ventura (Intel)|Homebrew cask|Microsoft 365",
                expected="Logo embedded in the mail.",
                actual="The logo is linked to a local file path, file:///Users/... so nobody else can see it.",
            ),
        ],
    ),
    (
        "single-compose-ctrl-enter-sends",
        [
            free(
                "Please let me disable Ctrl+Enter to send",
                "I keep sending half-written emails because Ctrl+Enter sends immediately (I am used to it making a new line in another app). Could there be an option to turn this shortcut off or ask for confirmation?",
            ),
        ],
    ),
    # --- attachments -----------------------------------------------------------------------
    (
        "attach-large-send-hangs",
        [
            form(
                "Sending email with big attachment stuck at 99%",
                "When I attach a file of about 30 MB the sending progress goes to 99% and stays there forever.",
                "4.2.0|Windows 10 22H2|installer|Gmail",
                steps=["New mail", "Attach a 30 MB video", "Send"],
                expected="Either it is sent or I get an error saying it is too big.",
                actual="Stuck at 99%, the mail stays in Outbox and blocks the next mails too.",
            ),
            form(
                "Outbox never sends",
                "I tried to send a 40MB PDF. No error, it just stays in the Outbox forever and now every other mail I send is also waiting behind it. I had to delete it from the outbox to send anything. Fedora, Petrel 4.2.1.",
                "4.2.1|Fedora 39 Workstation (GNOME)|Flatpak|Gmail",
                expected="Send it or tell me why not.",
                actual="Stays in Outbox, the next mails queue behind it.",
            ),
            form(
                "No error when attachment is too large",
                "The server refuses my mail because of the size, but Petrel doesn't tell me, it keeps showing 'Sending...'.",
                "4.2.1|macOS 14.4 Sonoma (Apple M1)|dmg|Fastmail (IMAP)",
                logs="[smtp] smtp.example.com:465 MAIL FROM:<...> SIZE=41203311\n[smtp] < 552 5.3.4 Message size exceeds fixed maximum message size\n[outbox] send failed for msg-8812, will retry\n[outbox] retry 14 for msg-8812",
            ),
        ],
    ),
    (
        "attach-open-does-nothing-linux",
        [
            form(
                "Double click on attachment does nothing (Linux)",
                "Double clicking an attachment in a message does nothing at all. No app opens, no error.",
                "4.2.0|Fedora 39 KDE Plasma|Flatpak|Gmail",
                expected="Opens in the default app (Okular for PDF).",
                actual="Nothing happens.",
                extra="'Save attachment' works, and opening the saved file works.",
            ),
            free(
                "Open attachment button not working",
                "The 'Open' button next to attachments doesn't work on Ubuntu 22.04 (snap). Terminal output when I click it:\n\n```\n[attachments] opening /home/me/snap/petrel/common/tmp/report.pdf\n[shell] openPath failed: xdg-open exited with code 4\n```",
            ),
            free(
                "Can't open PDF attachments",
                "On arch, clicking a PDF or image attachment doesn't open anything. Saving them first and opening from the file manager works. 4.2.1 AppImage.",
            ),
        ],
    ),
    (
        "attach-filename-encoding",
        [
            form(
                "Attachment names with umlauts are garbled",
                "Attachments whose name has ä, ö or ü are shown with a strange name like =?UTF-8?Q?Pr=C3=BCfbericht.pdf?= and saved with that name.",
                "4.2.0|Windows 11 23H2|installer|self-hosted Dovecot",
                expected="Prüfbericht.pdf",
                actual="=?UTF-8?Q?Pr=C3=BCfbericht.pdf?=",
            ),
            form(
                "Japanese file names of attachments broken",
                "When my colleagues send files with Japanese names, Petrel shows the file name as encoded text starting with =?ISO-2022-JP?B? ... instead of the real name. Thunderbird shows them correctly. macOS 14.4, 4.2.1.",
                "4.2.1|macOS 14.4 Sonoma (Apple M1)|dmg|Microsoft 365",
                expected="The file name in Japanese.",
                actual="=?ISO-2022-JP?B?...?= shown as the name, also when saving.",
            ),
        ],
    ),
    (
        "single-attach-drag-to-finder",
        [
            free(
                "Can't drag an attachment to the desktop",
                "On macOS dragging an attachment from the message onto the desktop or into a Finder window does nothing, the icon just snaps back. Drag and drop INTO a new mail works. Petrel 4.2.0, macOS 13.6.",
            ),
        ],
    ),
    # --- notifications ---------------------------------------------------------------------
    (
        "notify-flood-at-startup",
        [
            form(
                "Dozens of notifications at startup for old emails",
                "Every time I start Petrel I get a notification for every mail received in the last days, even ones I have already read.",
                "4.2.0|Windows 11 23H2|installer|Gmail",
                expected="Notifications only for new unread mail that arrived while Petrel was closed, or a single summary.",
                actual="30-50 notifications one after the other.",
                extra=shot("action-center-full"),
            ),
            free(
                "Notification spam when opening Petrel",
                "each time I launch it I get 40+ 'new message' popups for mails I read yesterday on my phone. macOS 14.4, 4.2.1",
            ),
            form(
                "Notifications for already read mails",
                "After a reboot the Windows notification center is full of Petrel notifications for messages that are marked as read. Looks like it notifies for everything it syncs at start. Windows 10, version 4.2.1.",
                "4.2.1|Windows 10 22H2|installer|Outlook.com",
                expected="Only notify for new mail.",
                actual="A notification for every mail synced at start, read or not.",
            ),
        ],
    ),
    (
        "notify-click-opens-wrong-message",
        [
            form(
                "Clicking a notification opens the wrong message",
                "When I click on a new-mail notification, Petrel comes to the front but shows the message that was selected before, not the one from the notification.",
                "4.2.1|Windows 11 23H2|installer|Outlook.com",
                expected="The message from the notification is opened.",
                actual="Whatever message was open before stays open.",
            ),
            free(
                "notification click does not show the new mail",
                "Click on the banner -> window opens on the old email I was reading. I have to look for the new one myself. Ubuntu 22.04 GNOME, 4.2.1",
            ),
        ],
    ),
    (
        "notify-unread-badge-stuck",
        [
            form(
                "Unread badge on the dock icon shows wrong number",
                "The red badge on the dock icon says 7 even though there are no unread mails in any folder.",
                "4.2.0|macOS 14.4 Sonoma (Apple M1)|dmg|iCloud",
                expected="Badge disappears when everything is read.",
                actual="Badge stays at 7. Only a restart resets it.",
            ),
            form(
                "Taskbar icon says 3 unread but all are read",
                "The overlay number on the taskbar icon doesn't go down when I read messages on another device. Windows 11, 4.2.1.",
                "4.2.1|Windows 11 23H2|Microsoft Store|Gmail",
                expected="The number goes to 0 when everything is read.",
                actual="Stays at 3 until restart.",
            ),
            free(
                "badge count doesn't go away",
                "The unread count on the launcher icon in Ubuntu dock stays after I read everything. Marking all as read doesn't change it. Version 4.2.0 snap.",
            ),
            form(
                "Several problems since 4.2.1",
                "A few things since the last update, sorry for putting them in one issue:\n\n1. The number on the taskbar icon is wrong, it says 12 unread and everything is read. Goes away only if I restart.\n2. Sometimes the font size in messages is small again (minor).\n3. Could you add a 'mark all as read' for all accounts at once?",
                "4.2.1|Windows 10 22H2|installer|Gmail, Outlook.com",
            ),
        ],
    ),
    (
        "single-notify-no-sound-windows",
        [
            free(
                "No sound for new mail on Windows 11",
                "Notifications appear but without any sound, even with 'Play a sound' enabled in Petrel and in Windows settings. Other apps make sounds. 4.2.0.",
            ),
        ],
    ),
    # --- search ----------------------------------------------------------------------------
    (
        "search-body-not-indexed",
        [
            form(
                "Search only finds subjects, not text in the body",
                "Searching for a word that is only in the body of a mail gives no results. Words from the subject are found.",
                "4.2.0|Windows 10 22H2|installer|Gmail",
                steps=["Search for a word you know is in the body of a mail"],
                expected="The mail is found.",
                actual="'No results'.",
            ),
            free(
                "Search misses emails",
                "I search for an invoice number that I know is inside an email and get 0 results. If I search by the sender it's found, and the number is right there in the text. macOS 14.4, Petrel 4.2.1.",
            ),
            old(
                "Full text search not working",
                "The search box doesn't look inside the messages at all, only in the subject and from. I have the 'Index message bodies' option on.",
                "4.2.1|Fedora 39 KDE Plasma|Flatpak|Fastmail (IMAP)",
            ),
            form(
                "search broken",
                "search does not find text from inside the mails",
                "4.2.1|Windows 11 23H2|installer|Gmail",
            ),
        ],
    ),
    (
        "search-crash-special-characters",
        [
            form(
                "App crashes when search contains a quote",
                "Typing a double quote in the search box crashes the main window.",
                "4.2.1|Windows 11 23H2|installer|Microsoft 365",
                steps=["Click in the search box", 'Type: "project x'],
                expected="Search results.",
                actual="Window turns white, then 'Petrel has stopped working'.",
                logs='Uncaught (in promise) SqliteError: fts5: syntax error near ""\n    at Statement.all (node_modules/better-sqlite3/lib/methods/wrappers.js:9:14)\n    at SearchIndex.query (app/search/index.js:212:31)\n    at SearchController.run (app/search/controller.js:88:20)',
            ),
            free(
                "Crash",
                "when I type an address like anna-maria@ in the search, the whole window goes white and I get 'Petrel has stopped'. In the dev tools console there is SqliteError: fts5: syntax error near \"-\". Ubuntu 22.04, 4.2.1",
            ),
        ],
    ),
    (
        "single-search-date-filter-ignored",
        [
            free(
                "Date filter in search is ignored",
                "Using the search filter 'Received: last 7 days' still shows results from years ago. The filter chip is shown but the list is the same as without it. Win 10, 4.2.1.",
            ),
        ],
    ),
    # --- calendar invites --------------------------------------------------------------------
    (
        "invite-time-zone-ignored",
        [
            form(
                "Meeting invitations show wrong time (one hour off)",
                "Since the clocks changed, every invitation I receive shows the meeting one hour earlier than in the organizer's calendar.",
                "4.2.0|Windows 11 23H2|installer|Microsoft 365",
                expected="Invitation card shows 10:00 like Outlook does.",
                actual="It shows 09:00.",
            ),
            form(
                "Time zone bug in invites",
                "Invites from my colleagues in New York show the time in THEIR time zone, not mine (Berlin). So a 15:00 my time meeting shows as 9:00. The .ics has TZID=America/New_York. macOS 14.4, Petrel 4.2.1",
                "4.2.1|macOS 14.4 Sonoma (Apple M1)|dmg|Microsoft 365",
                expected="Meeting shown at 15:00 (my time).",
                actual="Shown at 9:00.",
                extra="I can attach the .ics if needed.",
            ),
            form(
                "Invite card shows UTC time",
                "The invitation card in the message view shows the meeting time in UTC instead of my local time.",
                "4.2.1|Ubuntu 22.04, GNOME on Wayland|.deb|Gmail",
                extra="DTSTART;TZID=Europe/Paris:20261105T140000 in the attached invite.ics, shown as 13:00.",
            ),
            free(
                "calendar invite time wrong",
                "Same as others, event at 14:00 shown as 13:00. Windows 10, 4.2.1",
            ),
        ],
    ),
    (
        "invite-rsvp-not-sent",
        [
            form(
                "Accept button on invitation does nothing",
                "Clicking Accept / Decline / Maybe on a meeting invitation does nothing. The buttons don't change and no reply is sent.",
                "4.2.1|Windows 11 23H2|installer|Gmail",
                expected="A reply is sent to the organizer and the card says 'Accepted'.",
                actual="Nothing, the organizer sees me as not responded.",
            ),
            form(
                "Organizer never receives my RSVP",
                "I accept meetings from the invite in Petrel, the card even says Accepted, but the organizer never gets my answer and there is nothing in my Sent folder. Fedora 39, 4.2.0.",
                "4.2.0|Fedora 39 KDE Plasma|Flatpak|Gmail",
                steps=["Open an invitation", "Click Accept"],
                expected="The organizer gets my acceptance.",
                actual="Card says Accepted but no reply mail is sent.",
            ),
        ],
    ),
    # --- appearance --------------------------------------------------------------------------
    (
        "ui-dark-mode-html-unreadable",
        [
            form(
                "Dark mode: HTML emails unreadable",
                "With the dark theme some HTML newsletters are black text on a dark grey background, impossible to read.",
                "4.2.0|Windows 11 23H2|installer|Gmail",
                expected="Either the original light background or inverted text.",
                actual="Dark text on dark background.",
                extra=shot("dark-newsletter"),
            ),
            free(
                "Black text on black background",
                "In dark mode a lot of mails from my bank show black text on black, I have to select all the text to read it. macOS 14.4, 4.2.1",
            ),
            free(
                "Emails invisible with dark theme",
                "The message body is almost invisible when the dark theme is on, for mails that set their own font color. Switching to the light theme fixes it. Would be nice to have 'always show messages with light background' option. Ubuntu 22.04.",
            ),
        ],
    ),
    (
        "ui-blurry-fractional-scaling",
        [
            form(
                "Blurry text on Wayland with fractional scaling",
                "With 125% scaling in GNOME the whole Petrel window is blurry, like it is rendered small and stretched.",
                "4.2.0|Ubuntu 22.04, GNOME on Wayland|.deb|Gmail",
                expected="Sharp text like in other apps.",
                actual="Fuzzy text and icons.",
                extra="Starting with --ozone-platform=wayland makes it sharp.",
            ),
            free(
                "Fonts look fuzzy at 150%",
                "Everything in petrel looks fuzzy on my laptop screen at 150% (KDE Plasma Wayland, Fedora 39). Other apps are crisp.",
            ),
            free(
                "Window is blurry",
                "Petrel is the only blurry app on my system, I think it is running through XWayland. Arch + Sway, output scale 1.5. 4.2.1 AppImage.",
            ),
        ],
    ),
    (
        "ui-window-position-multimonitor",
        [
            form(
                "Window position not remembered with two monitors",
                "I put Petrel on my second monitor, but every time I start it, it opens on the main screen again.",
                "4.2.0|Windows 10 22H2|installer|Outlook.com",
                expected="Opens where I left it.",
                actual="Always on the primary monitor with the default size.",
            ),
            free(
                "Opens on wrong screen",
                "After closing Petrel on my external monitor it reopens on the laptop display and with the size reset. macOS 13.6, Petrel 4.2.1.",
            ),
        ],
    ),
    (
        "single-ui-font-size-resets",
        [
            free(
                "Message font size resets after every update",
                "I set the message text size to 'Large' in Settings > Appearance. After each update it is back to 'Default'. It's been like this for the last three updates. Windows 11.",
            ),
        ],
    ),
    # --- start-up and crashes ----------------------------------------------------------------
    (
        "startup-crash-after-4-2-migration",
        [
            form(
                "Crash on startup after updating to 4.2.0",
                "After the update to 4.2.0 Petrel crashes immediately when I start it.",
                "4.2.0|macOS 14.4 Sonoma (Apple M1)|dmg|Gmail, iCloud",
                steps=["Update from 4.1.3 to 4.2.0", "Start Petrel"],
                expected="Petrel opens.",
                actual="It crashes before the window appears. macOS shows the crash reporter.",
                logs="Exception Type:        EXC_BAD_ACCESS (SIGSEGV)\nException Codes:       KERN_INVALID_ADDRESS at 0x0000000000000010\nThread 0 Crashed:: CrBrowserMain\n0   libsqlite3.dylib   sqlite3VdbeExec + 15724\n1   libsqlite3.dylib   sqlite3_step + 512\n2   petrel_native.node MailStore::RunMigrations(int, int) + 388\n3   petrel_native.node MailStore::Open(std::string const&) + 1120",
            ),
            free(
                "Petrel won't open anymore",
                "Since yesterday the icon bounces in the dock a few times and then nothing. No window, no error. I did not change anything, except it updated itself I think. MacBook Air, Sonoma.",
            ),
            free("Bug", "after the update the app does not start anymore. Mac mini M2, macOS 14."),
            form(
                "Stuck on splash screen after update",
                "The splash screen with the bird logo stays forever after updating. Log below.",
                "4.2.0|Windows 11 23H2|installer|Microsoft 365",
                logs="[store] opening mailstore.db (schema 14)\n[store] running migration 15: add_thread_index\n[store] migration 15 failed: SQLITE_CORRUPT: database disk image is malformed\n[main] store not ready, waiting",
                extra="Going back to 4.1.3 works.",
            ),
            free(
                "Can't launch 4.2.0 on Sonoma",
                "4.2.0 quits right away on launch, 4.1.3 was fine. Crash report says sqlite3VdbeExec in the crashed thread.",
            ),
        ],
    ),
    (
        "startup-white-window-gpu",
        [
            form(
                "White window on launch (NVIDIA)",
                "Petrel opens a completely white window, nothing is drawn. Menus don't work.",
                "4.2.1|Fedora 39 Workstation (GNOME)|Flatpak|Gmail",
                logs="[gpu] GPU process exited unexpectedly: exit_code=139\n[gpu] GPU process isn't usable. Goodbye.\n[renderer] compositor frame sink lost",
                extra="NVIDIA 545 driver, RTX 3060.",
            ),
            form(
                "Blank window, nothing renders",
                "The main window is empty and white after start. It works when I start it with --disable-gpu. Ubuntu 22.04 with the nvidia proprietary driver, Petrel 4.2.1 deb.",
                "4.2.1|Ubuntu 22.04, GNOME on Wayland|.deb|self-hosted Dovecot",
                expected="Normal window.",
                actual="White window. With --disable-gpu it works.",
            ),
            free(
                "Empty window on Arch with nvidia driver",
                "Since the last nvidia driver update the Petrel window is just white. Other electron apps same? no, only Petrel. 4.2.1",
            ),
        ],
    ),
    (
        "freeze-opening-large-html",
        [
            form(
                "App freezes when opening a newsletter",
                "Opening one particular newsletter (very long HTML with many tables) makes Petrel freeze for minutes, the whole app is not responding.",
                "4.2.0|Windows 10 22H2|installer|Gmail",
                expected="The message opens.",
                actual="'Not responding' in the title bar, I have to kill it.",
                extra="I can forward the message if it helps.",
            ),
            free(
                "Not responding when I click one specific email",
                "There is one email in my inbox (a big HTML report from our monitoring tool) that freezes Petrel every time I select it. Other mails are fine. macOS 13.6, 4.2.1",
            ),
        ],
    ),
    (
        "single-crash-drag-between-accounts",
        [
            form(
                "Crash when dragging a message to another account's folder",
                "Dragging a message from my Gmail inbox to a folder of my other (IMAP) account crashes Petrel.",
                "4.2.1|Windows 11 23H2|installer|Gmail, Fastmail (IMAP)",
                steps=["Have two accounts", "Drag a mail from account A to a folder of account B"],
                actual="Petrel closes.",
                logs="TypeError: Cannot read properties of undefined (reading 'uidValidity')\n    at MoveTask.crossAccountCopy (app/tasks/move.js:143:38)\n    at MoveTask.run (app/tasks/move.js:61:18)\n    at TaskQueue.next (app/tasks/queue.js:40:12)",
            ),
        ],
    ),
    (
        "single-memory-grows",
        [
            form(
                "Memory usage grows to 3 GB after a few days",
                "If I leave Petrel running for a few days it uses more and more RAM, around 3 GB after 3 days according to Task Manager. After restart it's 400 MB. Windows 11, 4.2.0, 4 accounts.",
                "4.2.0|Windows 11 23H2|installer|Gmail, Microsoft 365",
                expected="Memory stays around the same.",
                actual="About 1 GB more every day.",
            ),
        ],
    ),
    # --- filters ---------------------------------------------------------------------------
    (
        "filters-not-run-on-new-mail",
        [
            form(
                "Rules are not applied to incoming mail",
                "My rules only work when I run them manually with 'Run rules now'. New mail that matches stays in the Inbox.",
                "4.2.0|Windows 11 23H2|installer|Outlook.com",
                steps=[
                    "Create a rule: From contains 'newsletter' -> move to Newsletters",
                    "Wait for a newsletter",
                ],
                expected="It is moved automatically.",
                actual="It stays in Inbox until I click 'Run rules now'.",
            ),
            form(
                "Filters stopped working",
                "Since 4.2 none of my filters do anything on their own. When I apply them by hand they work fine. macOS 14.4",
                "4.2.0|macOS 14.4 Sonoma (Apple M1)|dmg|iCloud",
                expected="Filters run on new mail like in 4.1.",
                actual="They only run when I apply them by hand.",
            ),
            form(
                "Automatic filter not triggered",
                "Rule is enabled and has 'Apply to new messages' checked, but new mails are not moved. Running it from the menu moves them correctly. Fedora 39, version 4.2.1.",
                "4.2.1|Fedora 39 KDE Plasma|Flatpak|Fastmail (IMAP)",
                steps=["Create a rule with 'Apply to new messages'", "Receive a matching mail"],
                expected="Mail is moved.",
                actual="Mail stays in Inbox.",
            ),
        ],
    ),
    (
        "filters-move-after-folder-rename",
        [
            form(
                "Rule moves mail to wrong folder after renaming a folder",
                "I renamed the folder 'Invoices' to 'Bills'. The rule that moved mail to 'Invoices' now creates a new 'Invoices' folder again and puts the mail there.",
                "4.2.1|Windows 10 22H2|installer|self-hosted Dovecot",
                expected="The rule follows the renamed folder.",
                actual="A new folder with the old name appears.",
            ),
            free(
                "Old folder reappears after rename",
                "After renaming a folder, the old name comes back as a new empty folder and my filter drops mails in it. Ubuntu 22.04, 4.2.1.",
            ),
        ],
    ),
    (
        "single-filters-regex-request",
        [
            form(
                "Feature request: regular expressions in rule conditions",
                "It would help a lot to be able to use regex in rule conditions, for example to match order numbers in the subject.",
                "4.2.1|macOS 14.4 Sonoma (Apple M1)|dmg|Gmail",
            ),
        ],
    ),
    # --- contacts ----------------------------------------------------------------------------
    (
        "contacts-autocomplete-deleted",
        [
            form(
                "Autocomplete suggests deleted contacts",
                "When I type in the To field, Petrel still suggests addresses I deleted from my contacts months ago.",
                "4.2.0|Windows 11 23H2|installer|Gmail",
                expected="Only existing contacts, or a way to remove a suggestion.",
                actual="Old addresses first in the list.",
            ),
            old(
                "Can't remove old address from suggestions",
                "A colleague changed her address and Petrel keeps offering the old one when I type her name, even though I removed it from her contact. Sent mails to the old one bounce. macOS 13.6.",
                "4.2.1|macOS 13.6 Ventura (Intel)|Homebrew cask|iCloud",
            ),
        ],
    ),
    (
        "single-contacts-vcard-import",
        [
            form(
                "vCard import fails",
                "Importing a .vcf exported from my phone fails with 'Unexpected token at line 1'. The file starts with BEGIN:VCARD VERSION:3.0 and opens fine in other apps. Petrel 4.2.1 on Windows 10.",
                "4.2.1|Windows 10 22H2|installer|Outlook.com",
                steps=["Contacts > Import", "Choose the .vcf file"],
                expected="Contacts imported.",
                actual="Error: Unexpected token at line 1",
            ),
        ],
    ),
    # --- printing, translation, import ----------------------------------------------------------
    (
        "single-print-cut-off",
        [
            form(
                "Printing cuts off the right side of emails",
                "When I print a wide HTML mail, the right side is cut off. Print preview shows the same.",
                "4.2.0|Windows 10 22H2|installer|Outlook.com",
                expected="Fit to page width.",
                actual="About 3 cm missing on the right.",
            ),
        ],
    ),
    (
        "single-german-label-truncated",
        [
            free(
                "German translation: button labels cut off",
                "In the German UI the toolbar button 'Als Entwurf speichern' is cut to 'Als Entwu...', and in Settings some labels overlap the toggles. Screenshot: "
                + shot("german-toolbar"),
            ),
        ],
    ),
    (
        "single-import-thunderbird-folders",
        [
            form(
                "Importing from Thunderbird loses folder structure",
                "Import from Thunderbird puts all mails into one 'Imported' folder, my subfolders are gone.",
                "4.2.1|Windows 11 23H2|installer|self-hosted Dovecot",
                expected="Same folder tree as in Thunderbird.",
                actual="One flat folder with 12,000 mails.",
            ),
        ],
    ),
    (
        "single-tray-icon-missing-gnome",
        [
            free(
                "Tray icon missing on GNOME",
                "The 'Minimize to tray' option hides the window, but there is no tray icon on GNOME so I can't get it back without starting Petrel again. I have the AppIndicator extension. Fedora 39, 4.2.1.",
            ),
        ],
    ),
]

# The two people who report twice (two different faults each): (group, index) → sender key.
_SAME_PERSON = {
    ("sync-stops-after-sleep", 0): "ines",
    ("single-notify-no-sound-windows", 0): "ines",
    ("startup-white-window-gpu", 0): "tomasz",
    ("single-tray-icon-missing-gnome", 0): "tomasz",
}

# ---------------------------------------------------------------------------------------------
# Senders, arrival order, output.

# fmt: off
_FIRST = (
    "aiko", "bram", "carla", "dmitri", "efua", "farid", "greta", "hamza", "irene", "jonas",
    "kalani", "lucia", "mateo", "nadia", "oskar", "priya", "quentin", "rosa", "sven", "tariq",
    "ulla", "viktor", "wen", "ximena", "yusuf", "zofia",
)
_LAST = ("ambrose", "berg", "costa", "dahl", "evans", "fischer", "garza", "holm", "ito", "janssen", "kovac")
# fmt: on
_START = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)
_SPAN_MINUTES = 60 * 24 * 40  # the reports arrive over forty days
_SEED = 20261201


def _sender(n: int) -> str:
    """A made-up address, different for every n."""
    first = _FIRST[n % len(_FIRST)]
    last = _LAST[(n // len(_FIRST)) % len(_LAST)]
    return f"{first}.{last}@example.{('org', 'net', 'com')[n % 3]}"


def _arrivals(rng: random.Random) -> list[tuple[int, str, int]]:
    """(minute, group, index) per report: each group's first report comes before its others,
    groups interleave, and the later reports of a group spread over the following weeks."""
    out: list[tuple[int, str, int]] = []
    for group, reports in PROBLEMS:
        first = rng.randrange(0, _SPAN_MINUTES * 11 // 20)
        out.append((first, group, 0))
        for index in range(1, len(reports)):
            out.append((first + rng.randrange(60 * 6, _SPAN_MINUTES - first), group, index))
    return sorted(out)


def rows() -> list[dict[str, object]]:
    """The labeled reports in arrival order, as `{"id", "group", "event"}` records."""
    texts = {group: reports for group, reports in PROBLEMS}
    senders: dict[str, str] = {}
    out: list[dict[str, object]] = []
    for n, (minute, group, index) in enumerate(_arrivals(random.Random(_SEED))):
        subject, body = texts[group][index]
        person = _SAME_PERSON.get((group, index))
        sender = senders.setdefault(person, _sender(n)) if person else _sender(n)
        event = {
            "subject": subject,
            "body": body,
            "from": sender,
            "date": (_START + timedelta(minutes=minute)).isoformat(),
        }
        out.append({"id": f"{group}-{index}", "group": group, "event": event})
    return out


def render() -> str:
    """The file's text: one JSON object a line, keys sorted."""
    return "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows())


def main() -> None:
    text = render()
    OUT.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    groups = sum(1 for _g, r in PROBLEMS if len(r) > 1)
    print(
        f"{len(lines)} reports: {groups} duplicate groups, {len(PROBLEMS) - groups} singletons -> {OUT}"
    )


if __name__ == "__main__":
    main()
