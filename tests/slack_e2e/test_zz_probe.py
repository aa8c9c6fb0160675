import asyncio
from tests.slack_e2e.live_desk import ALICE, BOB, LiveDesk
from tests.workflows.case_factory import seed_case
from tests.slack.slack_requests import form_body, signed_headers
from tests.slack.approval_desk import click

async def test_probe(desk: LiveDesk) -> None:
    case = seed_case(desk.store, desk.billing, amount_cents=75_000)
    await desk.file(case)
    _, message = await desk.waiting(case)
    await asyncio.gather(desk.click(message, ALICE), desk.click(message, ALICE))
    for c in await desk.clicks_recorded(case, 2):
        print("DOUBLE", c.actor, c.action, c.detail)
    print("EPH", desk.slack.ephemerals())
    case = seed_case(desk.store, desk.billing, amount_cents=18_000)
    await desk.file(case)
    _, message = await desk.waiting(case)
    await asyncio.gather(desk.click(message, ALICE), desk.click(message, BOB))
    for c in await desk.clicks_recorded(case, 2):
        print("RACE", c.actor, c.action, c.detail)
    # replay
    case = seed_case(desk.store, desk.billing, amount_cents=18_000)
    await desk.file(case)
    _, message = await desk.waiting(case)
    body = form_body(click(message, ALICE, "approval_approve")); headers = signed_headers(body)
    r1, r2 = await asyncio.gather(desk.send_raw(body, headers), desk.send_raw(body, headers))
    print("REPLAY codes", r1.status_code, r2.status_code)
    await desk.outcome(case)
    await desk.clicks_recorded(case, 2)
    r3 = await desk.send_raw(body, headers)
    print("REPLAY late", r3.status_code)
    for c in await desk.clicks_recorded(case, 3):
        print("REPLAY", c.actor, c.action, c.detail)
    print("EPH", desk.slack.ephemerals())
    print("UPD", desk.update_texts())
