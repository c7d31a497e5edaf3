"""Push a revhyper block into Hevy (public API v1, an API key for Hevy Pro users) as one routine per week.

Hevy's routines have no weeks, so a block becomes a routine folder with one routine per week ("Week 3 ·
Activation and control"); a week whose sessions differ gets one routine per distinct session ("Week 3 A").
Each routine has the block's exercise with one ``normal`` set per prescribed set (reps, weight in kg or none
for bodyweight) and the rest; tempo, range of motion and cues go in the exercise's notes, the session days,
phase, pain rule and disclaimer in the routine's notes. The exercise template is looked up by its title
("Reverse Hyperextension") in ``GET /v1/exercise_templates``.

Idempotency: the folder's title ends with ``#rh`` and the first 10 characters of the push's key. A push that
finds that folder creates only the weeks' routines the folder does not have yet (by title), so a push that
failed half way finishes on the next run, and a second push creates nothing. (Hevy's API cannot delete
routines, so a routine is never replaced.)
"""

from __future__ import annotations

import datetime
from typing import Any

from revhyper.hookspecs import hookimpl
from revhyper.push import Client, Pusher, PushInputError, PushResult

TITLE = "Reverse Hyperextension"
TEMPLATE_TITLES = {  # revhyper variant -> Hevy exercise template title; hip-extension variants have none
    "machine_reverse_hyper": TITLE,
    "ghd_reverse_hyper": TITLE,
    "bench_reverse_hyper": TITLE,
    "ball_reverse_hyper": TITLE,
}


def _pages(client: Client, path: str, key: str, size: int, label: str) -> Any:
    """Every item of a paginated Hevy list (``{page, page_count, KEY: [...]}``), page by page."""
    page = 1
    while True:
        reply = client.get(path, {"page": page, "pageSize": size}, label=f"{label}, page {page}") or {}
        yield from reply.get(key) or []
        if page >= int(reply.get("page_count") or 0):
            return
        page += 1


def _tag(client: Client) -> str:
    return f"#rh{client.key[:10]}"


def _template_ids(block: dict[str, Any], client: Client) -> dict[str, Any]:
    wanted: dict[str, str] = {}
    for week in block["weeks"]:
        for session in week.get("sessions", []):
            for exercise in session["exercises"]:
                title = TEMPLATE_TITLES.get(exercise["variant"])
                if title is None:
                    raise PushInputError("hevy", "weeks[].sessions[].exercises[].variant",
                                         f"Hevy has no exercise template for '{exercise['variant']}' "
                                         f"({exercise['name']}); revhyper maps the reverse hyperextension only "
                                         f"({', '.join(sorted(TEMPLATE_TITLES))})")
                wanted[exercise["variant"]] = title
    if client.dry_run:
        client.get("/v1/exercise_templates", {"page": 1, "pageSize": 100}, label=f"find the template '{TITLE}'")
        return {variant: f"<template '{title}'.id>" for variant, title in wanted.items()}
    by_title: dict[str, Any] = {}
    for template in _pages(client, "/v1/exercise_templates", "exercise_templates", 100, f"find the template '{TITLE}'"):
        by_title.setdefault(str(template.get("title", "")).casefold(), template["id"])
        if all(t.casefold() in by_title for t in wanted.values()):
            break
    missing = sorted({t for t in wanted.values() if t.casefold() not in by_title})
    if missing:
        raise PushInputError("hevy", "exercise_templates", f"the account has no exercise template titled "
                                                           f"{', '.join(repr(t) for t in missing)}")
    return {variant: by_title[title.casefold()] for variant, title in wanted.items()}


def _routines(block: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]], dict[str, Any]]]:
    """(title, the sessions it stands for, week) for each routine: one per week, or per distinct session."""
    out = []
    for week in block["weeks"]:
        sessions = week.get("sessions", [])
        groups: list[list[dict[str, Any]]] = []
        for session in sessions:
            same = next((g for g in groups if g[0]["exercises"] == session["exercises"]), None)
            if same is None:
                groups.append([session])
            else:
                same.append(session)
        phase = (week.get("phase") or {}).get("name", "")
        for index, group in enumerate(groups):
            letter = f" {chr(ord('A') + index)}" if len(groups) > 1 else ""
            deload = " (lighter week)" if week.get("deload") else ""
            out.append((f"Week {week['number']}{letter} \u00b7 {phase}{deload}", group, week))
    return out


def _day(session: dict[str, Any]) -> str:
    if not session.get("date"):
        return f"session {session['number']}"
    return datetime.date.fromisoformat(session["date"]).strftime("%a %d %b %Y")


def _body(block: dict[str, Any], title: str, sessions: list[dict[str, Any]], folder: Any,
          templates: dict[str, Any]) -> dict[str, Any]:
    pain = block.get("pain_rule") or {}
    notes = (f"For {', '.join(_day(s) for s in sessions)}. "
             + " ".join(pain.get(k, "") for k in ("during", "after", "week_to_week", "if_exceeded"))
             + f" {block.get('disclaimer', '')}").strip()
    exercises = []
    for exercise in sessions[0]["exercises"]:
        exercise_notes = (f"Tempo {exercise['tempo']}; range of motion {exercise['rom_percent']}% of full. "
                          + " ".join(exercise.get("cues", []))).strip()
        weight = exercise.get("load_kg")
        exercises.append({
            "exercise_template_id": templates[exercise["variant"]],
            "superset_id": None,
            "rest_seconds": int(exercise["rest_seconds"]),
            "notes": exercise_notes,
            "sets": [{"type": "normal", "weight_kg": None if weight is None else float(weight), "reps": int(exercise["reps"])}
                     for _ in range(int(exercise["sets"]))],
        })
    return {"routine": {"title": title, "folder_id": folder, "notes": notes, "exercises": exercises}}


def _one(reply: Any, key: str) -> dict[str, Any]:
    """Hevy wraps a created object (``{"routine": [{...}]}``) where its docs show it bare: accept both."""
    value = reply.get(key, reply) if isinstance(reply, dict) else reply
    return value[0] if isinstance(value, list) else value


def push(block: dict[str, Any], client: Client) -> PushResult:
    plan = block.get("plan") or {}
    start = plan.get("start_date") or "undated"
    folder_title = f"{plan.get('program', 'revhyper')} block {start} {_tag(client)}"
    routines = _routines(block)
    folder = None
    if not client.dry_run:
        folder = next((f for f in _pages(client, "/v1/routine_folders", "routine_folders", 10, "look for an earlier push")
                       if str(f.get("title", "")).endswith(_tag(client))), None)
    else:
        client.get("/v1/routine_folders", {"page": 1, "pageSize": 10}, label="look for an earlier push")
    done: set[str] = set()
    created: list[str] = []
    if folder is not None:
        done = {r.get("title", "") for r in _pages(client, "/v1/routines", "routines", 10, "routines already pushed")
                if r.get("folder_id") == folder["id"]}
        if all(title in done for title, _, _ in routines):
            return PushResult(existing=f"folder {folder['id']} ({folder.get('title', '')}) with {len(routines)} routines")
    templates = _template_ids(block, client)
    if folder is None:
        folder = _one(client.post("/v1/routine_folders", {"routine_folder": {"title": folder_title}},
                                  label="routine folder"), "routine_folder")
        created.append(f"folder {folder['id']} ({folder_title})")
    count = 0
    for title, sessions, _week in routines:
        if title in done:
            continue
        client.post("/v1/routines", _body(block, title, sessions, folder["id"], templates), label=f"routine {title}")
        count += 1
    created.append(f"{count} routines")
    notes = ("Hevy's routines have no dates: each routine's notes name its sessions' days",)
    return PushResult(created=tuple(created), notes=notes if count else ())


def auth_header(token: str) -> tuple[str, str]:
    return ("api-key", token)


HEVY = Pusher(name="hevy", description="Hevy routines (public API v1), one per week, in a folder",
              push=push, auth_header=auth_header, default_url="https://api.hevyapp.com")


@hookimpl
def revhyper_register_pushers(register):
    register(HEVY)
