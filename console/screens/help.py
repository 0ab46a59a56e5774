"""The `?` overlay: every binding of the screen in view, read from the declared bindings.

Nothing here is written by hand: the keys come from the screen's (and its focused widget's,
and the app's) `BINDINGS`, so the overlay cannot drift from what the keys do. Keys that do not
apply where the cursor is (merge outside the Proposals lane) are listed as such.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static


def declared_bindings(node: DOMNode) -> list[Binding]:
    """The `BINDINGS` of `node`'s class and its bases, nearest first, as `Binding`s."""
    found: list[Binding] = []
    for klass in type(node).__mro__:
        for item in klass.__dict__.get("BINDINGS", []):
            if isinstance(item, Binding):
                found.append(item)
            else:  # the (key, action, description) shorthand
                found.append(Binding(*item))
    return found


class HelpScreen(ModalScreen[None]):
    """Lists `(key, what it does, whether it applies here)` for one screen."""

    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss_help", "Close help", id="help.close"),
    ]

    def __init__(self, title: str, rows: list[tuple[str, str, bool]]) -> None:
        super().__init__()
        self.screen_title = title
        self.rows = rows

    @classmethod
    def for_screen(cls, screen: Screen[object]) -> HelpScreen:
        """The overlay for `screen`: the bindings its class declares, then the focused
        widget's, then the app's (less a key already listed), each marked with whether it
        applies right now."""
        nodes: list[DOMNode] = [screen]
        if screen.focused is not None:
            nodes.append(screen.focused)
        nodes.append(screen.app)
        rows: dict[str, tuple[str, str, bool]] = {}
        taken: set[str] = set()
        for node in nodes:
            for binding in declared_bindings(node):
                bound = set(binding.key.split(","))
                if not binding.description or binding.system or bound <= taken:
                    continue  # a nearer node's binding of the same key wins
                if "copy" in binding.action:  # Textual's own ctrl+c, not one of ours
                    continue  # a nearer node's binding of the same key wins
                taken |= bound
                shown = screen.app.get_key_display(binding)
                if binding.action in rows:
                    keys, text, enabled = rows[binding.action]
                    if shown not in keys.split(" "):
                        rows[binding.action] = (f"{keys} {shown}", text, enabled)
                    continue
                name = binding.action.split("(", 1)[0].removeprefix("app.")
                enabled = node.check_action(name, ()) is not False
                rows[binding.action] = (shown, binding.description, enabled)
        title = type(screen).__name__.removesuffix("Screen") or "Screen"
        return cls(title, list(rows.values()))

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", expand=True)
        table.add_column("Key", no_wrap=True, style="bold cyan")
        table.add_column("Does")
        for keys, text, enabled in self.rows:
            table.add_row(keys, Text(text) if enabled else Text(f"{text} (not here)", style="dim"))
        with VerticalScroll(id="help-box", classes="modal-box"):
            yield Label(f"Keys of the {self.screen_title} screen", classes="modal-title")
            yield Static(table, id="help-table")
            yield Label("escape or ? closes this help", classes="modal-hint")

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
