"""The values of a call to one of the page's events, checked before Gradio reads them.

Gradio checks them too, but prints a whole traceback to the server's log for each value that is not of its
input's kind (a file input given a string, a choice that is not one, too few values), so that any client
could fill the log with malformed calls. `PageInputs` knows each event's inputs (from the page's Blocks) and
refuses such a call with one line naming the input (422 invalid_request). Where a file input's value names
a path, `uploads.PageFiles` then checks that it is the caller's own upload.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import gradio as gr

Check = Callable[[object], str | None]
_CALL = re.compile(r"^/gradio_api/(?:call|run|api)/([^/]+)/?$")  # the routes that name the event by api_name


def _text(value: object) -> str | None:
    return None if value is None or isinstance(value, str) else "takes text"


def _file(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict) and isinstance(value.get("path"), str):
        return None
    return "takes a file uploaded on this page (its path, as the upload route gave it), or nothing"


def _choice(choices: set[object], many: bool) -> Check:
    def check(value: object) -> str | None:
        if value is None:
            return None
        values = value if many and isinstance(value, list) else [value]
        if (not many and isinstance(value, list)) or any(
                not isinstance(item, (str, int, float)) or item not in choices for item in values):
            return "takes " + ("a list of its choices" if many else "one of its choices")
        return None
    return check


def _check_for(block: gr.components.Component) -> Check | None:
    if isinstance(block, gr.File):
        return _file
    if isinstance(block, (gr.Dropdown, gr.Radio, gr.CheckboxGroup)) and not getattr(block, "allow_custom_value",
                                                                                       False):
        choices = {choice[1] if isinstance(choice, (tuple, list)) else choice for choice in block.choices}
        return _choice(choices, isinstance(block, gr.CheckboxGroup) or bool(getattr(block, "multiselect", False)))
    if isinstance(block, gr.Textbox):
        return _text
    return None  # other kinds (examples, plain API inputs) are left to Gradio


class PageInputs:
    """Each event's inputs, by api_name and by index, with a check for each input of a kind known here."""

    def __init__(self, blocks: gr.Blocks):
        self._by_name: dict[str, list[tuple[str, Check | None]]] = {}
        self._by_index: dict[int, list[tuple[str, Check | None]]] = {}
        for fn in blocks.fns.values():
            checks = [(str(getattr(block, "label", None) or type(block).__name__), _check_for(block))
                      for block in fn.inputs]
            self._by_index[fn._id] = checks
            if fn.api_name:
                self._by_name[str(fn.api_name)] = checks

    def problem(self, path: str, body: object) -> str | None:
        """Why a call to `path` with this JSON `body` cannot be run (None: it can, or it is no event call)."""
        if not isinstance(body, dict) or "data" not in body:
            return None
        named = _CALL.match(path)
        if named:
            checks = self._by_name.get(named.group(1))
        else:
            index = body.get("fn_index")
            checks = self._by_index.get(index) if isinstance(index, int) and not isinstance(index, bool) else None
        if checks is None:
            return None  # no event of the page's: Gradio answers
        data = body["data"]
        if not isinstance(data, list) or len(data) != len(checks):
            return f"this event takes {len(checks)} values in 'data'"
        for value, (label, check) in zip(data, checks, strict=True):
            problem = check(value) if check else None
            if problem:
                return f"the input {label!r} {problem}"
        return None
