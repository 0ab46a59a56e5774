# ruff: noqa: E501  (the reports are prose: a line each reads as a person wrote it)
"""A second labeled set of tracker-shaped bug reports, about another product: free text only.

    .venv/bin/python sample_signals/tracker_reports_b/generate.py
    .venv/bin/overnight triage --evaluate sample_signals/tracker_reports_b/expected_groups.jsonl

Reports about "Quire", an imagined Markdown notes app for the desktop (Windows, macOS, Linux)
and mobile (iOS, Android), written here for Overnight the way people file issues on GitHub.
Harder than `sample_signals/tracker_reports/` in the ways real trackers are: most reports come
through a heavy issue form (eight or nine long `###` headings, `_No response_`, a checklist),
and the project changed its form midway, so which form a report carries depends on the day it
was filed; a few use the old markdown template with its placeholders left in; the rest are
one-liners, "+1", "same here on Android", second-language English, German and Spanish, titles
that say nothing, reports listing several problems, pasted logs, crash dumps, stack traces and
settings, screenshot links, @mentions. One fault is reported by many people (the sync that
never finishes after 1.8.0), as real trackers have a mega-duplicate. Each product area holds
two to four faults, so hard negatives (the same area and words, a different fault) sit beside
the duplicates. No text is taken from any tracker.

The labels are the group names below; singletons are faults reported once (`single-...`).
Records are shaped as GitHub's API gives an issue (`title`, `body`, `user.login`,
`created_at`): words only, no page, release or event id, so triage only ever proposes.
"""

from __future__ import annotations

import json
import random
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

OUT = Path(__file__).resolve().parent / "expected_groups.jsonl"

# ---------------------------------------------------------------------------------------------
# How the reports are rendered: the issue form (two versions), the old template, free text.

_NONE = "_No response_"


class Form(NamedTuple):
    """A report filed through the issue form; the form it shows depends on the day it came.

    `env` is `version|operating system|installation method`."""

    title: str
    what: str
    env: str
    steps: tuple[str, ...] = ()
    expected: str | None = None
    actual: str | None = None
    logs: str | None = None
    extra: str | None = None

    def render(self, version: int) -> tuple[str, str]:
        """(title, body) as form 1 (before the change) or form 2 wrote them."""
        return self.title, (_form_1(self) if version == 1 else _form_2(self))


def form(
    title: str,
    what: str,
    env: str,
    steps: list[str] | None = None,
    expected: str | None = None,
    actual: str | None = None,
    logs: str | None = None,
    extra: str | None = None,
) -> Form:
    """A report through the issue form (see `Form`)."""
    return Form(title, what, env, tuple(steps or ()), expected, actual, logs, extra)


def _steps(report: Form) -> str:
    return "\n".join(f"{n}. {s}" for n, s in enumerate(report.steps, 1)) or _NONE


def _form_1(report: Form) -> str:
    """The first form: no 'What happened instead?' (people wrote it in the description), no
    installation method, logs pasted as they are (the field had no `render:`)."""
    version, system, _install = report.env.split("|")
    what = report.what + (f"\n\n{report.actual}" if report.actual else "")
    return (
        f"### Please describe the issue you are experiencing\n\n{what}\n\n"
        f"### Steps to reproduce the problem\n\n{_steps(report)}\n\n"
        f"### What did you expect to happen?\n\n{report.expected or _NONE}\n\n"
        f"### Which version of Quire are you running?\n\n{version}\n\n"
        f"### What operating system and version?\n\n{system}\n\n"
        f"### Relevant log output or crash dump\n\n{report.logs or _NONE}\n\n"
        f"### Anything else?\n\n{report.extra or _NONE}\n\n"
        "### Before submitting\n\n"
        "- [X] I have searched the existing issues\n"
        "- [X] I agree to follow the Code of Conduct"
    )


def _form_2(report: Form) -> str:
    """The second form: a field for what happened instead and one for the installation
    method, logs rendered as a shell block, no 'Anything else?' (people added it above)."""
    version, system, install = report.env.split("|")
    what = report.what + (f"\n\n{report.extra}" if report.extra else "")
    logs = f"```shell\n{report.logs}\n```" if report.logs else _NONE
    return (
        "### Is there an existing issue for this?\n\n"
        "- [X] I have searched the existing issues\n\n"
        f"### Please describe the issue you are experiencing\n\n{what}\n\n"
        f"### What happened instead?\n\n{report.actual or _NONE}\n\n"
        f"### What did you expect to happen?\n\n{report.expected or _NONE}\n\n"
        f"### Steps to reproduce the problem\n\n{_steps(report)}\n\n"
        f"### Which version of Quire are you running?\n\n{version}\n\n"
        f"### What operating system and version?\n\n{system}\n\n"
        f"### Installation method\n\n{install}\n\n"
        f"### Relevant log output or crash dump\n\n{logs}"
    )


def old(
    title: str,
    what: str,
    version: str | None = None,
    system: str | None = None,
    expected: str | None = None,
    extra: str | None = None,
) -> tuple[str, str]:
    """The markdown template of before the forms, its placeholders left where not filled."""
    body = (
        "## Bug report\n\n"
        f"**What went wrong?**\n{what}\n\n"
        "**How to reproduce**\n1. Open '...'\n2. Do '...'\n3. See the problem\n\n"
        f"**What should happen**\n{expected or 'Tell us what you thought Quire would do.'}\n\n"
        "**Device**\n"
        f"- Quire version: {version or '[e.g. 1.6.2]'}\n"
        f"- OS: {system or '[e.g. Windows 10, iOS 16]'}\n"
        "- Desktop or mobile: [desktop / mobile]\n\n"
        "**Screenshots / logs**\n"
        + (
            extra
            or "Drag and drop screenshots here. Logs are in Settings → About → Open log folder."
        )
        + "\n\n<!-- Thanks for helping make Quire better! Please search existing issues before opening a new one. -->"
    )
    return title, body


def free(title: str, text: str) -> tuple[str, str]:
    """No template: the person deleted it and wrote their own words."""
    return title, text


def shot(name: str, width: int = 812) -> str:
    """A screenshot as the tracker writes a pasted image."""
    asset = f"{zlib.crc32(name.encode()):08x}-{zlib.crc32(name[::-1].encode()):08x}"
    return f'<img width="{width}" alt="{name}" src="https://user-assets.tracker.example/quire/{asset}">'


Report = Form | tuple[str, str]

# Environments, shared by unrelated reports as on a real tracker.
V172 = "1.7.2 (build 4390)"
V173 = "1.7.3 (build 4412)"
V180 = "1.8.0 (build 4520)"
VB2 = "1.8.0-beta.2"
V181 = "1.8.1 (build 4537)"
M180 = "1.8.0 (mobile build 2210)"
M173 = "1.7.3 (mobile build 2174)"
W11 = "Windows 11 Pro 23H2 (22631.3007)"
W10 = "Windows 10 Home 22H2 (19045.3803)"
MAC14 = "macOS Sonoma 14.2.1"
MAC14M = "macOS Sonoma 14.3 (MacBook Air M2)"
MAC13 = "macOS Ventura 13.6.3"
UBU = "Ubuntu 22.04 (Flatpak)"
FED = "Fedora 39 Workstation (GNOME, Wayland)"
ARCH = "Arch Linux, KDE Plasma 5.27 (Wayland)"
IOS = "iOS 17.2.1 (iPhone 13)"
IPAD = "iPadOS 17.1 (iPad Air 5th gen)"
AND14 = "Android 14 (Pixel 7)"
AND13 = "Android 13 (Samsung Galaxy S21, One UI 5.1)"
SITE = "Installer from the website"
STORE = "Microsoft Store"
DMG = "DMG from the website"
BREW = "Homebrew (brew install --cask quire)"
FLAT = "Flatpak (Flathub)"
APPIMG = "AppImage"
AUR = "AUR (quire-bin)"
APPST = "App Store"
PLAY = "Google Play"

# Pasted blocks used by more than one report (different faults paste the same start-up lines).
_SYNC_LOG = (
    "2026-09-14 08:12:03.441 [main] INFO  Quire 1.8.0 (build 4520) starting\n"
    "2026-09-14 08:12:03.902 [vault] INFO  opened vault 'Notes' (2,318 files)\n"
    "2026-09-14 08:12:04.115 [sync] INFO  session start device=desktop-3f2a region=eu-2\n"
    "2026-09-14 08:12:04.377 [sync] WARN  pull rejected: ERR_SYNC_CURSOR_INVALID (cursor=v1:88213)\n"
    "2026-09-14 08:12:04.378 [sync] INFO  retrying in 30s (attempt 1)\n"
    "2026-09-14 08:12:34.401 [sync] WARN  pull rejected: ERR_SYNC_CURSOR_INVALID (cursor=v1:88213)\n"
    "2026-09-14 08:12:34.402 [sync] INFO  retrying in 30s (attempt 2)"
)
_MAC_CRASH = (
    "Process:               Quire [1873]\n"
    "Path:                  /Applications/Quire.app/Contents/MacOS/Quire\n"
    "Identifier:            app.quire.desktop\n"
    "Version:               1.8.0 (4520)\n"
    "Code Type:             X86-64 (Native)\n"
    "OS Version:            macOS 13.6.3 (22G436)\n\n"
    "Exception Type:        EXC_BAD_INSTRUCTION (SIGILL)\n"
    "Exception Codes:       0x0000000000000001, 0x0000000000000000\n"
    "Termination Reason:    Namespace SIGNAL, Code 4 Illegal instruction: 4\n\n"
    "Thread 0 Crashed::  Dispatch queue: com.apple.main-thread\n"
    "0   libquire_core.dylib   0x000000010c2f41a0 quire_core::index::simd::scan_avx2 + 112\n"
    "1   libquire_core.dylib   0x000000010c2e9b31 quire_core::index::Index::open + 865\n"
    "2   libquire_core.dylib   0x000000010c2b0f0e quire_core_init + 318\n"
    "3   Quire Framework       0x0000000108a1c2d4 node::Start(int, char**) + 596"
)
_SETTINGS = """{
  "vimMode": true,
  "showLineNumber": true,
  "spellcheck": false,
  "attachmentFolderPath": "assets",
  "newFileLocation": "folder",
  "newFileFolderPath": "Inbox",
  "alwaysUpdateLinks": true,
  "theme": "obsidian-dark",
  "baseFontSize": 17,
  "cssTheme": "Minimal",
  "restrictedMode": false,
  "syncEnabled": true
}"""


# ---------------------------------------------------------------------------------------------
# The reports: (group, [report, ...]); a group of one is a singleton. Within a group the first
# report is the first to arrive. Product areas: vaults, sync, plugins, export, themes, the
# editor (vim mode), search, embedded images, tables, backlinks and the graph, the mobile
# share sheet, start-up and crashes, settings.

PROBLEMS: list[tuple[str, list[Report]]] = [
    # --- vaults ----------------------------------------------------------------------------
    (
        "vault-icloud-not-listed",
        [
            form(
                "iCloud vault doesn't show up on iPhone",
                "I keep my vault in iCloud Drive (iCloud Drive/Quire/Main). On the Mac it opens fine. On the iPhone the list of vaults is empty, the Main folder is just not there, even though I can see it in the Files app.",
                f"{M180}|{IOS}|{APPST}",
                steps=[
                    "Install Quire on the iPhone",
                    "Tap 'Open folder as vault'",
                    "Choose iCloud",
                ],
                expected="The vault from iCloud Drive is listed and opens.",
                actual="Only 'Create new vault' is shown. The iCloud section is empty.",
                extra="Settings > Apple ID > iCloud > iCloud Drive is on and Quire is switched on there.",
            ),
            form(
                "Vaults list empty on iPad",
                "My vaults are in iCloud Drive but the app says 'No vaults yet'. The Files app shows the folder with all the .md files and they are downloaded (no cloud icon next to them). Reinstalled twice.",
                f"{M180}|{IPAD}|{APPST}",
                actual="'No vaults yet'",
            ),
            free(
                "Help",
                "i can not open my notes on the phone. on the computer everything is there. phone says no vaults. I use icloud for it. what do I do??",
            ),
        ],
    ),
    (
        "vault-onedrive-readonly",
        [
            form(
                '"This vault folder is read-only" for a vault inside OneDrive',
                "Opening my vault that lives in C:\\Users\\me\\OneDrive\\Notes fails with a dialog saying the folder is read-only. It is not read-only, I can create files in it from Explorer. A vault on the desktop opens fine.",
                f"{V173}|{W11}|{SITE}",
                steps=["Open another vault", "Pick C:\\Users\\me\\OneDrive\\Notes"],
                expected="The vault opens.",
                actual="Dialog: 'This vault folder is read-only. Quire needs write access to open it.'",
                logs="[vault] open C:\\Users\\me\\OneDrive\\Notes\n[vault] probe write .quire\\.probe-3f1c: EPERM: operation not permitted, open 'C:\\Users\\me\\OneDrive\\Notes\\.quire\\.probe-3f1c'\n[vault] marking vault read-only",
            ),
            form(
                "Cannot edit notes on network drive anymore",
                "Since 1.7.3 my vault on a mapped drive (Z:\\ on our NAS over SMB) opens as read only: the editor doesn't let me type and there is a lock icon in the status bar. 1.7.2 worked fine with the exact same folder.",
                f"{V173}|{W10}|{SITE}",
                expected="I can edit my notes.",
            ),
        ],
    ),
    (
        "vault-trash-deletes-permanently",
        [
            form(
                "Deleted notes don't go to the trash",
                "'Deleted files' is set to 'Move to system trash', but when I delete a note it's gone for good. Not in the Recycle Bin and not in the .trash folder of the vault either.",
                f"{V173}|{W10}|{SITE}",
                steps=["Right click a note", "Delete", "Open the Recycle Bin"],
                expected="The note is in the Recycle Bin.",
                actual="It's not anywhere. I had to get it back from my backup.",
            ),
            free(
                "lost a note!!",
                "I deleted a note by mistake and wanted to get it back from the Trash on my Mac but it's not there. The setting says move to system trash. Is this a bug or did I miss something? Quire 1.8.0, macOS 14.2.1",
            ),
        ],
    ),
    (
        "single-vault-switch-closes-tabs",
        [
            form(
                "Opening a second vault resets the first window",
                "When I open a second vault in a new window, the first window loses all its open tabs and the layout is reset to one empty tab. Happens every time.",
                f"{V180}|{MAC14}|{DMG}",
            ),
        ],
    ),
    # --- sync ------------------------------------------------------------------------------
    (
        "sync-never-finishes-after-1-8",
        [
            form(
                'Sync stuck on "Syncing…" since updating to 1.8.0',
                "Since I updated to 1.8.0 this morning the sync status in the bottom right corner stays on 'Syncing…' with the spinning icon. Nothing I change on the desktop shows up on my phone and the other way round.",
                f"{V180}|{MAC14}|{DMG}",
                steps=["Update to 1.8.0", "Edit any note", "Look at the sync icon"],
                expected="Changes are synced within a few seconds like before.",
                actual="The spinner never stops. Settings > Sync says 'Last synced 14 hours ago'.",
                logs=_SYNC_LOG,
            ),
            free(
                "Sync broken!!",
                "Nothing syncs anymore. I pay for Sync and now it doesnt work. Please fix asap",
            ),
            form(
                "Notes edited on the phone don't arrive on the PC",
                "I wrote two notes on my Android phone yesterday and they never arrived on my Windows PC. The phone says 'Up to date'. On the PC the sync icon keeps turning.",
                f"{V180}|{W11}|{STORE}",
                expected="The notes from the phone appear on the PC.",
                actual="They don't, even after restarting both.",
                extra="Signing out of Sync and back in makes it work for a few minutes, then it's stuck again.",
            ),
            free("+1", "+1, same since 1.8.0. macOS 14.3 M2"),
            free("same here on Android", "Same here on Android 14"),
            free(
                "Synchronisierung hängt seit dem Update",
                "Hallo, seit dem Update auf 1.8.0 bleibt die Synchronisierung bei 'Synchronisiere…' hängen. Auf dem Handy sehe ich die Änderungen vom Laptop nicht mehr. Abmelden und wieder anmelden hilft nur ein paar Minuten. Ubuntu 22.04, Flatpak.",
            ),
            form(
                "ERR_SYNC_CURSOR_INVALID in the log every 30 seconds",
                "My log is full of these lines, I guess that's why the vault doesn't sync.",
                f"{V181}|{ARCH}|{AUR}",
                logs="[sync] WARN  pull rejected: ERR_SYNC_CURSOR_INVALID (cursor=v1:40127)\n[sync] INFO  retrying in 30s (attempt 57)\n[sync] WARN  pull rejected: ERR_SYNC_CURSOR_INVALID (cursor=v1:40127)\n[sync] INFO  retrying in 30s (attempt 58)",
            ),
            free(
                "No sincroniza desde la versión 1.8",
                "Desde que actualicé a la 1.8.0 la sincronización no termina nunca, se queda en 'Sincronizando…'. En el iPhone tampoco aparecen las notas nuevas. ¿Alguna solución? @quire-sync-team",
            ),
            old(
                "Sync does not finish",
                "The sync indicator keeps spinning forever and my iPad never gets the new notes. Restarting doesn't help. Was working on 1.7.3.",
                version="1.8.1",
                system="Windows 10",
            ),
            free(
                "Several problems after 1.8.0",
                "Hi, after updating to 1.8.0:\n\n1. sync never finishes, the icon keeps spinning and my iPad doesn't get anything\n2. the ribbon icons look bigger?\n3. the settings window opens on the wrong monitor\n\nThe first one is the important one, I use sync every day for work.",
            ),
        ],
    ),
    (
        "sync-conflict-copies",
        [
            form(
                'Duplicate notes with "(conflict …)" in the name after editing on two devices',
                "When I edit a note on the laptop and then on my phone a bit later (not at the same time!), Quire creates 'Meeting notes (conflict 2026-09-12 083412).md' next to the original. Both have almost the same content.",
                f"{V173}|{MAC14M}|{DMG}",
                steps=[
                    "Edit a note on the Mac",
                    "Wait a minute",
                    "Edit the same note on the iPhone",
                ],
                expected="The changes end up in one note.",
                actual="A conflict copy every time, I have dozens of them now.",
            ),
            free(
                "so many conflict files",
                "my vault is full of files named like 'Daily 2026-09-20 (conflict Pixel 7).md'. I only edit on one device at a time. Android + Windows 11.",
            ),
            form(
                "Sync creates copies of my daily note",
                "Every morning there are two or three copies of today's daily note: the real one and copies with (conflict …) in the name. I open the daily note on the desktop first and later on the iPhone.",
                f"{V180}|{W11}|{SITE}",
                logs="[sync] merge Daily/2026-09-22.md: base revision missing on server, keeping both\n[sync] wrote Daily/2026-09-22 (conflict iPhone).md",
            ),
            free(
                "Conflict copies",
                "Happens to me too, I think it's when the phone was asleep while I edited on the desktop. cc @marta-quire",
            ),
            form(
                "Sync duplicates notes instead of merging them",
                "My iPhone and my Mac both end up with two versions of the same notes. It started when I turned on sync for a second device.",
                f"{M180}|{IOS}|{APPST}",
                logs="[sync] merge Inbox/Groceries.md: base revision missing on server, keeping both\n[sync] wrote Inbox/Groceries (conflict MacBook-Air).md\n[sync] merge Inbox/Ideas.md: base revision missing on server, keeping both",
            ),
        ],
    ),
    (
        "sync-deleted-notes-return",
        [
            form(
                "Deleted notes come back after sync",
                "I delete a note on the desktop and a few minutes later it's back. Same with folders I deleted.",
                f"{V180}|{W10}|{SITE}",
                steps=["Delete a note", "Wait for the sync"],
                expected="The note stays deleted on all devices.",
                actual="It's back in the file explorer, with the old content.",
            ),
            form(
                "Notes I deleted reappear",
                "I cleaned up my vault and deleted about 40 old notes on my Mac. Next day they were all back. I think my iPad, which was offline for a week, uploaded them again. Tried 3 times.",
                f"{V181}|{MAC14M}|{DMG}",
            ),
        ],
    ),
    (
        "sync-large-images-skipped",
        [
            form(
                "Images don't sync to mobile",
                "Notes sync fine but some images in them show as a broken image icon on my phone. On the desktop they are fine.",
                f"{M180}|{AND13}|{PLAY}",
                expected="The same images on the phone as on the desktop.",
                actual="Broken image icon for some of them.",
            ),
            form(
                "Attachments larger than 5 MB are never uploaded",
                "Looking at the sync log, bigger files are skipped without any message in the app.",
                f"{V180}|{MAC14}|{BREW}",
                logs="[sync] upload assets/IMG_2041.jpg (7.8 MB)\n[sync] skip assets/IMG_2041.jpg: attachment exceeds max size 5242880 bytes\n[sync] upload assets/diagram.png (240 KB) ok",
                extra="At least a warning would be nice, or a higher limit: every photo from a phone is bigger than 5 MB now.",
            ),
            form(
                "photos missing on iPad",
                "Photos from my camera (jpg) that I embed in notes on the PC show the grey broken-picture icon on my iPad. Small screenshots work.",
                f"{M180}|{IPAD}|{APPST}",
            ),
        ],
    ),
    (
        "single-sync-excluded-folders-ignored",
        [
            form(
                "Excluded folders are synced anyway",
                "I added 'Archive/' to Settings > Sync > Excluded folders, but its files are still uploaded to the remote vault: I see them on my phone.",
                f"{V181}|{W11}|{SITE}",
                expected="Nothing from Archive/ is synced.",
                actual="Everything in Archive/ is on the phone.",
            ),
        ],
    ),
    # --- plugins ---------------------------------------------------------------------------
    (
        "plugins-browser-fails-to-load",
        [
            form(
                'Community plugins: "Couldn\'t load the plugin list"',
                "Settings > Community plugins > Browse shows 'Couldn't load the plugin list. Check your connection and try again.' My connection is fine, everything else works, including sync.",
                f"{V173}|{W11}|{SITE}",
                steps=["Settings", "Community plugins", "Browse"],
                expected="The list of community plugins.",
                logs="[plugins] GET https://plugins.quire.example/v2/index.json\n[plugins] request failed: net::ERR_CERT_AUTHORITY_INVALID",
            ),
            form(
                "Plugin browser is empty",
                "When I click Browse the window opens but there is nothing in it, no plugins, only the search box. Was working last week.",
                f"{V173}|{MAC13}|{DMG}",
                actual="An empty list.",
            ),
            form(
                "Can't install plugins",
                "Hi, I want to install the Kanban plugin but browse community plugins only shows an error message about the connection. I'm not behind a proxy.",
                f"{V173}|{W11}|{STORE}",
                steps=["Settings", "Community plugins", "Browse"],
            ),
            free("Bug", "plugin browser broken for me too, empty list, Ubuntu 22.04 flatpak 1.7.3"),
        ],
    ),
    (
        "plugins-disabled-on-restart",
        [
            form(
                "Restricted mode turns itself back on after every restart",
                "I turn off restricted mode and enable my plugins. After closing and reopening Quire, restricted mode is on again and all plugins are disabled.",
                f"{V180}|{FED}|{FLAT}",
                steps=[
                    "Settings > Community plugins > Turn off restricted mode",
                    "Enable plugins",
                    "Restart Quire",
                ],
                expected="Plugins stay enabled.",
                actual="Restricted mode is on again, every plugin is off.",
            ),
            free(
                "All my plugins are disabled every time I open the app",
                "I have to go into settings and enable 12 plugins again every morning. My settings file after a restart:\n\n<details><summary>app.json</summary>\n\n```json\n"
                + _SETTINGS.replace('"restrictedMode": false', '"restrictedMode": true')
                + "\n```\n\n</details>\n\nrestrictedMode is true again although I set it to false.",
            ),
            form(
                "Plugins get disabled",
                "Every time I quit and start again, the plugins are off.",
                f"{V181}|{W10}|{STORE}",
            ),
        ],
    ),
    (
        "plugins-break-on-beta-editor-api",
        [
            form(
                "Many plugins fail on 1.8.0-beta.2: Cannot read properties of undefined (reading 'cm')",
                "Since the beta, several community plugins fail to load. The developer console shows the same error for each of them.",
                f"{VB2}|{W11}|{SITE}",
                logs="Plugin failure: outliner TypeError: Cannot read properties of undefined (reading 'cm')\n    at OutlinerPlugin.onload (plugin:outliner:1:4821)\n    at Plugin.load (app.js:1:1290551)\n    at PluginManager.enablePlugin (app.js:1:1312077)\nPlugin failure: tables-plus TypeError: Cannot read properties of undefined (reading 'cm')\n    at TablesPlus.onload (plugin:tables-plus:2:913)",
            ),
            form(
                "Plugins broken in beta",
                "On the beta, my table plugin and the outliner plugin throw errors on load. Going back to 1.7.3 fixes it. I guess the editor API changed?",
                f"{VB2}|{UBU}|{FLAT}",
                logs="TypeError: Cannot read properties of undefined (reading 'cm')\n    at TablesPlus.onload (plugin:tables-plus:2:913)",
            ),
            form(
                "Outliner plugin not working after update",
                "Outliner and Tables Plus don't do anything anymore since I installed the beta. No error in the UI, Tab in a list doesn't indent the item.",
                f"{VB2}|{MAC14}|{DMG}",
                expected="Tab indents the list item like before.",
            ),
        ],
    ),
    (
        "single-plugin-settings-blank",
        [
            free(
                "Plugin settings page is blank",
                "Clicking the gear icon next to any community plugin opens an empty settings page. The settings of core plugins work. 1.8.1, Windows 11.",
            ),
        ],
    ),
    # --- export ----------------------------------------------------------------------------
    (
        "export-pdf-images-missing",
        [
            form(
                "Export to PDF is missing images",
                "When I export a note with embedded images to PDF, the images are not in the PDF, only empty space (sometimes the alt text).",
                f"{V180}|{MAC14}|{DMG}",
                steps=["Open a note with ![[photo.png]]", "⋯ menu > Export to PDF", "Open the PDF"],
                expected="The images in the PDF, as in reading view.",
                actual="Blank gaps where the images should be.",
            ),
            free(
                "PDF export without pictures",
                "the pdf has no pictures. in reading view i see them. win10, 1.7.3",
            ),
            form(
                "Images show in preview but not in the exported PDF",
                "It seems to happen with images in my attachments/ subfolder; images next to the note are exported.",
                f"{V181}|{UBU}|{FLAT}",
                logs="[export] resolving embed attachments/2026/scan 01.png\n[export] pdf: failed to load resource file:///home/jo/Notes/attachments/2026/scan%2001.png (ERR_FILE_NOT_FOUND)",
            ),
            old(
                "Exporting PDF drops images",
                "I exported my recipe notes to PDF to print them and all the photos are missing.",
                version="1.8.0",
                system="Windows 11",
            ),
        ],
    ),
    (
        "export-pdf-code-blocks-cut",
        [
            form(
                "Long lines in code blocks are cut off in PDF export",
                "Code blocks with lines longer than the page are cut at the right margin in the exported PDF. The rest of the line is simply gone.",
                f"{V173}|{W11}|{SITE}",
                expected="Long lines wrap in the PDF.",
                actual="Text cut at the page edge.",
                extra=shot("Screenshot 2026-09-18 at 10 02 11"),
            ),
            form(
                "PDF export: code not wrapped",
                "When exporting to PDF, code blocks with long lines just run off the page. On screen they scroll horizontally.",
                f"{V180}|{MAC14}|{DMG}",
                expected="A wrap option for export, or wrap by default.",
            ),
        ],
    ),
    (
        "single-export-html-links-md",
        [
            form(
                "HTML export: links point to .md files",
                "After exporting a folder to HTML, the links between notes point to 'Other note.md' instead of 'Other note.html', so they open the raw markdown or nothing.",
                f"{V180}|{W10}|{SITE}",
                expected="Links between the exported pages work.",
            ),
        ],
    ),
    (
        "single-export-pdf-cjk-boxes",
        [
            free(
                "Chinese characters in PDF export show as boxes",
                "Exporting a note with Chinese text (中文笔记) to PDF shows empty squares instead of the characters. The editor shows them fine. Ubuntu 22.04.",
            ),
        ],
    ),
    # --- themes ----------------------------------------------------------------------------
    (
        "theme-dark-code-unreadable",
        [
            form(
                "Dark theme: code blocks are dark text on a dark background",
                "In dark mode, text in fenced code blocks and inline code is nearly black on dark grey. Impossible to read.",
                f"{V180}|{W11}|{SITE}",
                expected="Light text on the dark code background, as in 1.7.",
                actual=shot("dark-code-block"),
            ),
            form(
                "can't read inline code in dark mode",
                "Inline `code` and code blocks are almost invisible in dark mode since 1.8.0, dark text on a dark background. Light mode is fine.",
                f"{V180}|{UBU}|{FLAT}",
                actual=shot("Screenshot_20260921_2211", 640),
            ),
            form(
                "Syntax highlighting colours wrong in dark theme",
                "With the default theme in dark mode the code in fenced blocks is #1e1e1e on #262626.",
                f"{V181}|{MAC14M}|{BREW}",
                extra="Custom themes that set their own code colours are fine, so it's the default theme.",
            ),
        ],
    ),
    (
        "theme-css-snippets-not-applied",
        [
            form(
                "CSS snippets no longer applied after update to 1.7.3",
                "My CSS snippets in .quire/snippets are listed and switched on under Appearance, but none of them has any effect since 1.7.3.",
                f"{V173}|{W10}|{SITE}",
                steps=[
                    "Put a .css file in .quire/snippets",
                    "Appearance > CSS snippets > enable it",
                ],
                expected="The styles from the snippet are applied.",
                actual="Nothing changes. Reload snippets doesn't help.",
            ),
            old(
                "my custom css doesn't work anymore",
                "snippets are enabled in Appearance but nothing changes. I put the file in .quire/snippets/ like always.",
                version="1.7.3",
            ),
        ],
    ),
    (
        "theme-resets-to-light",
        [
            form(
                "Theme goes back to light every time I restart",
                "I choose Dark under Appearance > Base theme, restart Quire, and it's Light again.",
                f"{V180}|{ARCH}|{AUR}",
                expected="Dark theme stays.",
                actual="Light theme after every restart.",
            ),
            form(
                "dark mode not remembered",
                "Every launch it starts in light mode. I have to switch it each time.",
                f"{V180}|Linux Mint 21.2 Cinnamon|{APPIMG}",
            ),
        ],
    ),
    (
        "single-theme-accent-titlebar",
        [
            form(
                "Accent color not applied to the title bar on Windows",
                "I set a custom accent colour in Appearance. Buttons and links use it, but the title bar stays the default purple.",
                f"{V180}|{W11}|{STORE}",
            ),
        ],
    ),
    # --- editor and vim mode ----------------------------------------------------------------
    (
        "vim-yank-not-system-clipboard",
        [
            form(
                "Vim mode: yy doesn't copy to the system clipboard",
                "With vim key bindings on, yanking a line with yy and pasting in another app (Ctrl+V) pastes what was in the clipboard before. Inside Quire p pastes the line, so it only goes to the internal register.",
                f"{V180}|{W11}|{SITE}",
                steps=[
                    "Settings > Editor > Vim key bindings on",
                    "yy on a line",
                    "Ctrl+V in Notepad",
                ],
                expected="The yanked line.",
                actual="The old clipboard content.",
            ),
            free(
                "vim yank to clipboard",
                "In 1.7 y used to copy to the OS clipboard, in 1.8.0 it doesn't. \"+y doesn't work either. macOS",
            ),
            free(
                "Copy in vim mode broken",
                "cannot copy text out of quire when vim mode is on. Visual select + y then cmd+v in the browser gives the old text.",
            ),
        ],
    ),
    (
        "editor-cursor-jumps-on-sync",
        [
            form(
                "Cursor jumps to the top of the note while typing",
                "While I'm typing in a note, every minute or so the cursor jumps to the first line and the view scrolls up. Sync is on.",
                f"{V180}|{MAC14}|{DMG}",
                expected="The cursor stays where I type.",
                actual="Cursor on line 1, view scrolled to the top.",
            ),
            form(
                "Typing gets interrupted, cursor moves to beginning",
                "Very annoying: while writing longer notes the cursor goes back to line 1 at random. I lost words because I kept typing at the wrong place.",
                f"{V180}|{W10}|{SITE}",
            ),
            form(
                "Text I just typed disappears",
                "Sometimes the last sentence I typed vanishes and the cursor goes to the start of the file. Looks like the file is reloaded from disk.",
                f"{V181}|{W11}|{STORE}",
                logs="[vault] external change detected: Projects/Roadmap.md (mtime changed)\n[editor] reloading Projects/Roadmap.md from disk\n[sync] wrote Projects/Roadmap.md (remote rev 18)",
            ),
            free(
                "cursor jump",
                "same on windows 11, it happens when sync is running. With sync paused it never happens",
            ),
        ],
    ),
    (
        "single-vim-ime-normal-mode",
        [
            free(
                "Vim mode with Japanese input: keys typed into the note in normal mode",
                "When the Japanese IME is active and vim mode is in normal mode, pressing j or k inserts the characters into the note instead of moving. I have to switch the IME off each time I press Esc. macOS 14.2.1.",
            ),
        ],
    ),
    (
        "single-undo-lost-after-tab-switch",
        [
            form(
                "Undo history lost when switching notes",
                "If I switch to another tab and come back, Ctrl+Z does nothing: the undo history of the note is gone.",
                f"{V181}|{W10}|{SITE}",
                expected="Undo still works after switching tabs.",
            ),
        ],
    ),
    # --- search ----------------------------------------------------------------------------
    (
        "search-diacritics",
        [
            form(
                "Search does not find words with accents",
                "Searching for 'cafe' does not find notes containing 'café', and searching for 'café' doesn't find them either. Same for other accented words.",
                f"{V173}|{MAC14}|{DMG}",
                steps=["Create a note with 'café'", "Search for café"],
                expected="The note is found.",
                actual="No results.",
            ),
            form(
                "Search with umlaut not working",
                "When I search Müller I get no results although there are many notes with this name. Maybe it is because I write my notes on the Mac? On Windows the search works for the same words.",
                f"{V180}|{MAC13}|{DMG}",
                expected="Notes with Müller are found",
            ),
            form(
                "Search results empty for non-ASCII words",
                "Any query with ñ, é or ü returns 'No results'. Queries in plain ASCII work.",
                f"{V180}|{MAC14M}|{BREW}",
            ),
        ],
    ),
    (
        "search-new-notes-missing",
        [
            form(
                "New notes don't appear in search until I restart",
                "Notes I created today are not found by the search, older ones are. After restarting Quire the new ones are found too.",
                f"{V180}|{W11}|{SITE}",
                expected="New notes can be found right away.",
            ),
            form(
                "search index not updating",
                "Notes created on my phone and synced to the desktop never show up in search on the desktop. The quick switcher finds them, full-text search doesn't. After a restart they are found.",
                f"{V181}|{ARCH}|{AUR}",
            ),
        ],
    ),
    (
        "single-search-regex-freezes",
        [
            form(
                "App freezes when searching with regex",
                "Typing /(a|aa)*b/ into search freezes the whole window, I have to kill Quire. Any regex with nested repetition does it.",
                f"{V181}|{FED}|{FLAT}",
            ),
        ],
    ),
    (
        "single-search-highlight-offset",
        [
            form(
                "Search highlights are off by a few characters in notes with emoji",
                "In notes that contain emoji, the highlighted search match is shifted to the right by one or two characters per emoji before it.",
                f"{V181}|{MAC14}|{DMG}",
                extra=shot("search-highlight-shifted"),
            ),
        ],
    ),
    # --- embedded images -------------------------------------------------------------------
    (
        "images-paste-ignores-attachment-folder",
        [
            form(
                "Pasted images are saved in the vault root instead of the attachment folder",
                "Settings > Files > 'Default location for new attachments' is 'In the folder specified below', set to 'assets'. Pasting a screenshot saves 'Pasted image 20260914101233.png' in the root of the vault.",
                f"{V180}|{W11}|{SITE}",
                expected="The image in assets/.",
                actual="The image in the vault root.",
            ),
            form(
                "Screenshots land in the wrong folder",
                "Since 1.8.0 when I paste images they go into the vault root and not into my attachments folder. Drag and drop puts them in the right folder.",
                f"{V180}|{MAC14M}|{BREW}",
                logs=_SETTINGS,
            ),
            old(
                "Attachment folder setting ignored",
                "Images from the clipboard are put in the top folder of the vault.",
                version="1.8.1",
            ),
        ],
    ),
    (
        "images-heic-broken",
        [
            form(
                "HEIC images from iPhone don't display",
                "Photos I add from my iPhone (HEIC) show as a broken image in the Windows desktop app. JPGs are fine.",
                f"{V180}|{W11}|{STORE}",
                expected="The photo is shown.",
                actual="A broken image icon.",
            ),
            form(
                "iPhone photos not shown on windows",
                "I attach photos in the ios app, on the windows pc there is only a small broken icon where the photo is. The file IMG_4410.HEIC is there in the folder.",
                f"{V181}|{W10}|{SITE}",
            ),
            form(
                "Embedded .heic shows only its name",
                "![[IMG_0032.heic]] renders as the file name in reading view and as a broken image in live preview.",
                f"{V181}|{FED}|{FLAT}",
            ),
        ],
    ),
    (
        "single-images-spaces-filename",
        [
            form(
                "Images with spaces in the file name don't render with markdown links",
                "![](my image.png) doesn't render, ![](my%20image.png) does. The wikilink form ![[my image.png]] works too. Images pasted by Quire itself get spaces in their names, so this happens a lot.",
                f"{V173}|{UBU}|{FLAT}",
            ),
        ],
    ),
    (
        "single-image-resize-ignored",
        [
            free(
                "Image width |300 ignored in reading view",
                "![[diagram.png|300]] is resized in live preview but shown full size in reading view. 1.8.0 on Windows 10.",
            ),
        ],
    ),
    # --- tables ----------------------------------------------------------------------------
    (
        "tables-tab-inserts-tab",
        [
            form(
                "Tab key in a table inserts a tab instead of moving to the next cell",
                "In live preview, pressing Tab inside a table cell inserts a tab character and the table falls apart.",
                f"{V180}|{MAC14}|{DMG}",
                steps=["Insert a table", "Click into the first cell", "Press Tab"],
                expected="The cursor moves to the next cell.",
                actual="A tab character in the cell, the row is no longer a table row.",
            ),
            form(
                "Table navigation with tab broken",
                "Pressing Tab in a table cell adds a tab and breaks the table. Shift+Tab the same.",
                f"{V180}|{W11}|{STORE}",
            ),
            form(
                "Pressing Tab in a table turns it into a code block",
                "If I press Tab at the start of a table row, the whole row gets indented and shows as a code block.",
                f"{V181}|{W10}|{SITE}",
            ),
        ],
    ),
    (
        "tables-wide-cut-on-mobile",
        [
            form(
                "Wide tables cut off on Android, can't scroll sideways",
                "Tables with many columns are cut off at the right edge of the screen in reading view, and swiping sideways scrolls nothing.",
                f"{M180}|{AND14}|{PLAY}",
                expected="Horizontal scrolling for wide tables.",
            ),
            old(
                "table columns missing on iPhone",
                "Tables with more than 4 columns are cut at the right edge in reading mode on my iPhone, I can't swipe to see the rest.",
                system="iOS 17",
            ),
        ],
    ),
    (
        "single-tables-escaped-pipe",
        [
            form(
                "Escaped pipe in a table cell creates a new column",
                "A cell with `a \\| b` is split into two columns in live preview. Reading view renders it right.",
                f"{V180}|{ARCH}|{AUR}",
            ),
        ],
    ),
    # --- backlinks and graph ---------------------------------------------------------------
    (
        "graph-blank-linux",
        [
            form(
                "Graph view is completely blank",
                "The graph view opens but it's empty: no nodes, no lines, just the background.",
                f"{V180}|{FED}|{FLAT}",
                logs="[graph] WebGL context creation failed: GPU process isn't usable\n[graph] renderer: null",
            ),
            free(
                "graph view black",
                "Graph view is just a black rectangle on Fedora 39 with nvidia. The local graph too.",
            ),
            form(
                "Graph not showing anything",
                "nothing in graph view, the counter in the corner says 2,341 notes but I see nothing.",
                f"{V181}|{UBU}|{FLAT}",
                extra="Starting it with --disable-gpu makes it work.",
            ),
        ],
    ),
    (
        "links-not-updated-on-rename",
        [
            form(
                "Renaming a note doesn't update links to it",
                "'Automatically update internal links' is on. When I rename a note in the file explorer, the [[links]] in other notes keep the old name and become unresolved.",
                f"{V180}|{W11}|{SITE}",
                steps=["Rename a note in the file explorer", "Open a note that links to it"],
                expected="The links use the new name.",
                actual="The links still use the old name and show as unresolved.",
            ),
            form(
                "Backlinks broken after renaming file",
                "I renamed 'Project X' to 'Project Xenon' and now the backlinks panel of Project Xenon is empty and all my links to it are greyed out.",
                f"{V180}|{MAC14}|{DMG}",
            ),
            form(
                "Moving notes to another folder breaks links",
                "When I drag a note into a different folder, links that point to it with a path ([[Work/Note]]) are not updated.",
                f"{V181}|{MAC14}|{DMG}",
            ),
            free(
                "links not updated",
                "+1 on this. Renaming from the title bar works, renaming in the file explorer sidebar doesn't update anything. 1.8.1",
            ),
            form(
                "Alias links keep pointing to the old name",
                "After renaming 'Reading list' to 'Books', links written as [[Reading list|my list]] still target 'Reading list' and a click creates a new empty note with the old name.",
                f"{V181}|{UBU}|{FLAT}",
                expected="[[Books|my list]]",
                actual="[[Reading list|my list]], unresolved.",
            ),
        ],
    ),
    (
        "graph-freezes-large-vault",
        [
            form(
                "Graph view freezes Quire with a big vault",
                "My vault has about 14,000 notes. Opening the graph view freezes the app for minutes and Windows says 'Not responding'.",
                f"{V180}|{W10}|{SITE}",
            ),
            form(
                "Opening graph = app hangs",
                "With my Zettelkasten (9k notes) the graph view never finishes loading and the whole app is frozen, I have to kill it from the task manager.",
                f"{V181}|{W11}|{SITE}",
            ),
        ],
    ),
    (
        "single-backlinks-count-self",
        [
            free(
                "Backlinks count includes links from the note itself",
                "A note that links to a heading inside itself ([[#Summary]]) shows '1 backlink' from itself in the backlinks panel.",
            ),
        ],
    ),
    # --- mobile share sheet ----------------------------------------------------------------
    (
        "share-ios-extension-crash",
        [
            form(
                "Share sheet from Safari closes immediately",
                "When I share a web page from Safari to Quire, the Quire share panel appears for a split second and disappears. Nothing is saved.",
                f"{M180}|{IOS}|{APPST}",
                steps=["Safari > Share", "Quire"],
                expected="The share panel where I can pick a note.",
                actual="It closes right away.",
            ),
            free(
                "iOS share extension crashes",
                "Sharing from any app to Quire crashes the extension. From Settings > Privacy > Analytics:\n\nIncident Identifier: 5C1E0F9A-7B7D-4A0A-9E0B-2B1D7C4E8F11\nProcess: QuireShare [4410]\nException Type: EXC_RESOURCE\nException Subtype: MEMORY\nTermination Reason: Namespace JETSAM, memory limit 120 MB exceeded",
            ),
            form(
                "Can't save links from Safari",
                "Share → Quire does nothing on my iPhone 15, the popup flashes and that's it. Worked in 1.7.",
                f"{M180}|iOS 17.3 (iPhone 15)|{APPST}",
            ),
        ],
    ),
    (
        "share-android-empty-note",
        [
            form(
                "Sharing text to Quire on Android creates an empty note",
                "Selecting text in another app and sharing it to Quire opens Quire and creates a new note, but the note is empty.",
                f"{M180}|{AND14}|{PLAY}",
                expected="The shared text in the new note.",
                actual="A new note titled 'Shared' with no text.",
            ),
            free(
                "Compartir texto desde Chrome crea una nota vacía",
                "Cuando comparto texto seleccionado desde Chrome a Quire en Android, se abre la app y crea una nota nueva pero está vacía, solo con el título 'Shared'. Android 13, Samsung.",
            ),
            free(
                "share to quire = blank note",
                "android, same as the issue above, the text from the share isn't in the note. links too.",
            ),
        ],
    ),
    (
        "single-share-default-vault",
        [
            form(
                "Share sheet always saves to the first vault",
                "I have two vaults on the phone. Sharing to Quire always puts the note into the first one, there's no way to choose the vault.",
                f"{M180}|{IOS}|{APPST}",
            ),
        ],
    ),
    # --- start-up and crashes ------------------------------------------------------------------
    (
        "startup-intel-mac-sigill",
        [
            form(
                "Quire 1.8.0 crashes on launch on Intel Mac",
                "After updating to 1.8.0 Quire closes immediately when I open it. No window appears.",
                f"{V180}|{MAC13} (MacBook Pro 2015, Intel)|{BREW}",
                expected="Quire opens.",
                logs=_MAC_CRASH,
            ),
            form(
                "Won't open after update",
                "Quire icon bounces in the dock 2-3 times, then nothing. Mac mini 2014. Tried reinstalling.",
                f"{V180}|{MAC13}|{DMG}",
            ),
            form(
                "Illegal instruction: 4 when starting from terminal",
                "Running /Applications/Quire.app/Contents/MacOS/Quire from the terminal prints 'Illegal instruction: 4' and exits.",
                f"{V181}|macOS Monterey 12.7.2 (iMac late 2013)|{DMG}",
            ),
            free("Crash", "crashes at start on my old imac, Monterey. 1.7.3 works, 1.8.0 not"),
        ],
    ),
    (
        "startup-slow-loading-cache",
        [
            form(
                "Start-up takes over a minute on 'Loading cache…'",
                "Quire shows 'Loading cache…' on the splash screen for 60 to 90 seconds on every start.",
                f"{V180}|{W11}|{SITE}",
                expected="A few seconds, as in 1.7.",
                logs="[main] Quire 1.8.0 (build 4520) starting\n[vault] opened vault 'Work' (6,104 files)\n[cache] metadata cache version changed (7 -> 8), rebuilding\n[cache] rebuilt 6,104 files in 81.2s",
            ),
            form(
                "Very slow start",
                "Quire takes 1-2 minutes to start, the splash says 'Loading cache' the whole time. Vault with 6000 notes on an SSD. It was 5 seconds in 1.7.",
                f"{V181}|{W10}|{SITE}",
            ),
        ],
    ),
    (
        "android-crash-on-open",
        [
            form(
                "Android app crashes when opening after update to 1.8.0",
                "The app crashes right after the splash screen since the update.",
                f"{M180}|{AND13}|{PLAY}",
                logs="FATAL EXCEPTION: main\nProcess: app.quire.mobile, PID: 18231\njava.lang.IllegalStateException: Vault index not initialised\n    at app.quire.vault.VaultIndex.requireOpen(VaultIndex.kt:88)\n    at app.quire.ui.MainActivity.onResume(MainActivity.kt:214)\n    at android.app.Activity.performResume(Activity.java:8422)",
            ),
            form(
                "App closes immediately",
                "the app closes right after the splash on my Samsung. Reinstalling fixed it but after the first sync it crashes again",
                f"{M180}|{AND13}|{PLAY}",
            ),
            form(
                "Quire keeps stopping",
                "Android shows 'Quire keeps stopping' every time I open it.",
                f"{M180}|Android 14 (Pixel 6a)|{PLAY}",
            ),
            free(
                "Android 1.8.0 feedback",
                "A few things on Android since 1.8.0:\n\n- the app crashes on start most of the time (logcat says IllegalStateException: Vault index not initialised)\n- when it does start, sharing from Chrome makes an empty note\n- code blocks are hard to read in the dark theme\n\nThe crash is the worst, I can't use it at all on most days.",
            ),
        ],
    ),
    (
        "single-defender-flags-installer",
        [
            form(
                "Windows Defender flags QuireSetup-1.8.0.exe",
                "Defender SmartScreen blocks the 1.8.0 installer ('Windows protected your PC'), and the Defender scan calls it Trojan:Win32/Wacatac. 1.7.3 was fine.",
                f"{V180}|{W10}|{SITE}",
            ),
        ],
    ),
    (
        "single-startup-crash-emoji-path",
        [
            form(
                "Crash on start when the vault path contains an emoji",
                "My vault is in a folder called '📚 Notes'. Quire crashes on start with this vault; after renaming the folder to 'Notes' it opens.",
                f"{V180}|{W11}|{SITE}",
                logs="[vault] open C:\\Users\\sam\\Documents\\?? Notes\n[main] uncaught exception: Error: ENOENT: no such file or directory, scandir 'C:\\Users\\sam\\Documents\\?? Notes'",
            ),
        ],
    ),
    # --- settings --------------------------------------------------------------------------
    (
        "settings-hotkeys-reset",
        [
            form(
                "Custom hotkeys lost after update",
                "After updating to 1.8.0 all the hotkeys I set myself are back to the defaults.",
                f"{V180}|{MAC14}|{DMG}",
                expected="My hotkeys are kept.",
                extra=".quire/hotkeys.json still contains them.",
            ),
            form(
                "my keyboard shortcuts are gone",
                "after the 1.8.0 update all my custom shortcuts reverted to default. hotkeys.json still has them, Quire seems to ignore the file.",
                f"{V180}|{W11}|{SITE}",
            ),
        ],
    ),
    (
        "settings-font-size-ignored",
        [
            form(
                "Editor font size setting has no effect",
                "Changing Appearance > Font size does not change the size of the text in the editor.",
                f"{V181}|{W11}|{SITE}",
                expected="Bigger text in the editor.",
                actual="Nothing changes.",
            ),
            old(
                "font size slider does nothing",
                "Appearance > Font size: moving the slider doesn't change the text in the editor. Ctrl + scroll zoom works.",
                version="1.8.1",
                system="Windows 10",
            ),
        ],
    ),
    (
        "single-settings-window-too-tall",
        [
            free(
                "Settings window doesn't fit on a small screen",
                "On my 1366x768 laptop the settings window is taller than the screen and the bottom of each page can't be reached.",
            ),
        ],
    ),
    (
        "single-language-not-saved",
        [
            form(
                "Language setting goes back to English after restart",
                "I set the language to Deutsch, Quire asks for a restart, and after the restart it's English again.",
                f"{V180}|{FED}|{FLAT}",
            ),
        ],
    ),
]

# The people who report twice (two different faults each): (group, index) → sender key. Their
# environments agree across their two reports.
_SAME_PERSON = {
    ("sync-never-finishes-after-1-8", 0): "kofi",
    ("export-pdf-images-missing", 0): "kofi",
    ("graph-blank-linux", 0): "renske",
    ("plugins-disabled-on-restart", 0): "renske",
    ("single-language-not-saved", 0): "renske",
}

# ---------------------------------------------------------------------------------------------
# Senders, arrival order, output.

# fmt: off
_HANDLES = (
    "aiko", "bram", "carla", "dmitri", "efua", "farid", "greta", "hamza", "irene", "jonas",
    "kalani", "lucia", "mateo", "nadia", "oskar", "priya", "quentin", "rosa", "sven", "tariq",
    "ulla", "viktor", "wen", "ximena", "yusuf", "zofia", "anouk", "bilal", "chidi", "dagny",
)
_SUFFIX = ("", "-dev", "_notes", "42", "-codes", "xyz")
# fmt: on
_START = datetime(2026, 9, 7, 6, 0, tzinfo=UTC)
_SPAN_MINUTES = 60 * 24 * 42  # the reports arrive over six weeks
_FORM_CHANGED = _START + timedelta(days=17)  # the project's second issue form from this day
_SEED = 20261202


def _login(n: int) -> str:
    """A made-up login, different for every n."""
    return _HANDLES[n % len(_HANDLES)] + _SUFFIX[(n // len(_HANDLES)) % len(_SUFFIX)]


def _arrivals(rng: random.Random) -> list[tuple[int, str, int]]:
    """(minute, group, index) per report: each group's first report comes before its others,
    groups interleave, and the later reports of a group spread over the following weeks."""
    out: list[tuple[int, str, int]] = []
    for group, reports in PROBLEMS:
        first = rng.randrange(0, _SPAN_MINUTES * 11 // 20)
        out.append((first, group, 0))
        for index in range(1, len(reports)):
            out.append((first + rng.randrange(60 * 3, _SPAN_MINUTES - first), group, index))
    return sorted(out)


def rows() -> list[dict[str, object]]:
    """The labeled reports in arrival order, as `{"id", "group", "event"}` records."""
    texts = dict(PROBLEMS)
    logins: dict[str, str] = {}
    out: list[dict[str, object]] = []
    for n, (minute, group, index) in enumerate(_arrivals(random.Random(_SEED))):
        when = _START + timedelta(minutes=minute)
        report = texts[group][index]
        if isinstance(report, Form):
            title, body = report.render(1 if when < _FORM_CHANGED else 2)
        else:
            title, body = report
        person = _SAME_PERSON.get((group, index))
        login = logins.setdefault(person, _login(n)) if person else _login(n)
        event = {
            "title": title,
            "body": body,
            "user": {"login": login},
            "created_at": when.isoformat().replace("+00:00", "Z"),
        }
        out.append({"id": f"{group}-{index}", "group": group, "event": event})
    return out


def render() -> str:
    """The file's text: one JSON object a line, keys sorted."""
    return "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in rows())


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
