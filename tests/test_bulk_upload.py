"""Bulk upload: a CSV template, a preview, every bad line with its reason, and an all-or-nothing import."""
from __future__ import annotations

import io
import re
import threading
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEvent, Role
from portal.timeutil import to_london
from providers import bulk
from providers import commands as provider_commands
from providers.commands import import_sessions_command
from providers.models import Provider, Session

from .conftest import planner_rows, sign_in
from .factories import OfferFactory, ProviderFactory, SessionFactory, UserFactory

HEADER = "offer,date,start time,end time,places,staff"
FIRST_DAY = date.today() + timedelta(days=2)
NEXT_YEAR = date.today().year + 1


@pytest.fixture
def staff(app):
    provider = ProviderFactory()
    return UserFactory(role=Role.PROVIDER, provider_id=provider.id)


@pytest.fixture
def offers(staff):
    return [OfferFactory(provider=staff.provider, title="Saturday Swimming"),
            OfferFactory(provider=staff.provider, title="Holiday Club")]


@pytest.fixture
def client(app, staff):
    client = app.test_client()
    sign_in(client, staff)
    return client


def _csv(lines: list[str], header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode()


def _sessions(offers, count: int) -> list[str]:
    """``count`` valid lines: four sessions a day, alternating offers."""
    slots = ["09:00", "11:00", "13:00", "15:00"]
    lines = []
    for n in range(count):
        day = FIRST_DAY + timedelta(days=n // 4)
        start = slots[n % 4]
        lines.append(f"{offers[n % 2].id},{day:%d/%m/%Y},{start},{int(start[:2]) + 2:02d}:00,{8 + n % 5},"
                     f"{'' if n % 3 else 2}")
    return lines


def _upload(client, content: bytes, filename: str = "sessions.csv"):
    return client.post("/provider/sessions/upload", data={"upload": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def _token(page) -> str:
    return re.search(r'name="upload_token" type="hidden" value="([^"]+)"', page.text)[1]


def _count() -> int:
    return db.session.scalar(select(func.count(Session.id)))


def test_the_template_downloads(client):
    response = client.get("/provider/sessions/upload/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.text.splitlines() == [HEADER]
    assert "Download the CSV template" in client.get("/provider/sessions/upload").text


def test_preview_then_import_everything_together(client, staff, offers):
    lines = [f"{offers[0].id},01/07/{NEXT_YEAR},16:00,18:30,12,3",
             f"holiday club,02/07/{NEXT_YEAR},9:30,4pm,20,",
             f"{offers[0].id},15/01/{NEXT_YEAR},16:00,18:00,6,1"]
    preview = _upload(client, _csv(lines))
    assert preview.status_code == 200
    assert "Check the sessions before you add them" in preview.text and "Add 3 sessions" in preview.text
    assert _count() == 0  # nothing until confirmed
    done = client.post("/provider/sessions/upload/confirm", data={"upload_token": _token(preview)})
    assert done.status_code == 302
    assert "3 sessions imported for 2 offers." in client.get(done.location).text
    sessions = db.session.scalars(select(Session).order_by(Session.starts_at)).all()
    assert [(s.offer_id, s.starts_at, s.capacity, s.staff) for s in sessions] == [
        (offers[0].id, datetime(NEXT_YEAR, 1, 15, 16, tzinfo=timezone.utc), 6, 1),  # GMT
        (offers[0].id, datetime(NEXT_YEAR, 7, 1, 15, tzinfo=timezone.utc), 12, 3),  # BST
        (offers[1].id, datetime(NEXT_YEAR, 7, 2, 8, 30, tzinfo=timezone.utc), 20, None),
    ]
    assert [s.weekday for s in sessions] == [to_london(s.starts_at).weekday() for s in sessions]
    assert sessions[1].ends_at == datetime(NEXT_YEAR, 7, 1, 17, 30, tzinfo=timezone.utc)
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sessions_imported"))
    assert audit.actor_id == staff.id and audit.details["sessions"] == 3


def test_a_file_with_errors_imports_nothing_and_lists_every_bad_line(client, offers):
    theirs = OfferFactory()  # another provider's offer
    good = f"{offers[0].id},01/07/{NEXT_YEAR},16:00,18:00,10,2"
    lines = [
        good,                                                       # line 2
        f"{offers[0].id},31/02/{NEXT_YEAR},16:00,18:00,10,",        # 3: no such date
        f"{offers[0].id},02/07/{NEXT_YEAR},25:00,18:00,10,",        # 4: no such time
        f"{offers[0].id},03/07/{NEXT_YEAR},18:00,16:00,10,",        # 5: ends before it starts
        f"{theirs.id},04/07/{NEXT_YEAR},16:00,18:00,10,",           # 6: not their offer
        f"Pottery for Grown-ups,04/07/{NEXT_YEAR},16:00,18:00,10,",  # 7: unknown title
        f"{offers[0].id},05/07/{NEXT_YEAR},16:00,18:00,0,",         # 8: no places
        f"{offers[0].id},06/07/{NEXT_YEAR},16:00,18:00,ten,",       # 9: places not a number
        f"{offers[0].id},07/07/{NEXT_YEAR},16:00,18:00,10,0",       # 10: staff 0
        good,                                                       # 11: repeats line 2
        f"{offers[0].id},01/01/2020,16:00,18:00,10,",               # 12: in the past
        ",,,,,",                                                    # 13: empty, ignored
        f",08/07/{NEXT_YEAR},,18:00,,",                             # 14: three things missing
        f"{offers[0].id},09/07/{NEXT_YEAR},16:00,18:00,10,,surprise",  # 15: an extra value
    ]
    response = _upload(client, _csv(lines))
    assert response.status_code == 422
    assert "There is a problem" in response.text and "Nothing has been imported" in response.text
    table = response.text[response.text.index('id="problems"'):]
    rows = re.findall(r'<td class="govuk-table__cell govuk-table__cell--numeric">(\d+)</td>\s*'
                      r'<td class="govuk-table__cell">[^<]*</td>\s*<td class="govuk-table__cell">([^<]+)</td>', table)
    reasons = {int(line): reason.replace("&#34;", '"').replace("&#39;", "'") for line, reason in rows}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15]
    assert "is not a real date" in reasons[3]
    assert "is not a real start time" in reasons[4]
    assert "The end time must be after the start time" in reasons[5]
    assert f"Offer {theirs.id} is not one of your offers" in reasons[6]
    assert "is not one of your offers" in reasons[7]
    assert "Places must be from 1 to 500" in reasons[8]
    assert "Places must be a whole number" in reasons[9]
    assert "Staff must be from 1 to 200" in reasons[10]
    assert "Line 2 has the same offer, date and start time" in reasons[11]
    assert "in the past" in reasons[12]
    assert all(m in reasons[14] for m in ["Enter the offer number", "Enter the start time", "Enter the number of places"])
    assert "more values than the file has columns" in reasons[15]
    assert "1 line" not in response.text and "12 lines of the file have a problem" in response.text
    assert _count() == 0


@pytest.mark.parametrize("content, message", [
    (b"", "Select a CSV file to upload"),
    (b"   \r\n", "The file is empty"),
    (b"PK\x03\x04 workbook", "This is an Excel workbook, not a CSV file"),
    (b"offer,date,start time,end time\r\n1,01/07/2030,10:00,12:00\r\n", "The file has no \u201cplaces\u201d column"),
    (b"offer,date,start time,end time,places,colour\r\n", "that we do not recognise"),
    (HEADER.encode() + b"\r\n", "The file has the column headings but no sessions"),
])
def test_files_that_cannot_be_read_are_explained(client, offers, content, message):
    response = _upload(client, content) if content else client.post("/provider/sessions/upload", data={})
    assert response.status_code == 422
    assert message in response.text.replace("&#34;", '"')


def test_excel_habits_are_understood(client, offers):
    """A byte-order mark, semicolons, headings in another case, offer titles and Windows encoding."""
    content = ("\ufeffOffer_ID;Date;Start Time;End Time;Places\r\n"
               f"saturday  swimming;1/7/{NEXT_YEAR};4.00pm;17:30:00;10\r\n").encode("utf-8")
    preview = _upload(client, content)
    assert preview.status_code == 200, preview.text
    assert "Add 1 session" in preview.text
    cp1252 = (f"{HEADER}\r\n{offers[0].id},01/07/{NEXT_YEAR},10:00,12:00,5,\r\n").encode("cp1252") + b"\xa0"
    assert _upload(client, cp1252).status_code == 200


def test_two_offers_with_the_same_title_need_the_number(client, offers, staff):
    OfferFactory(provider=staff.provider, title="Holiday Club")
    response = _upload(client, _csv([f"Holiday Club,01/07/{NEXT_YEAR},10:00,12:00,5,"]))
    assert response.status_code == 422 and "You have 2 offers called" in response.text


def _line_numbers(page: str) -> list[str]:
    """The Line column of the sessions table (not the summary table above it, whose dates can start "Saturday")."""
    sessions_table = page.split("The sessions", 1)[1]
    return re.findall(r'govuk-table__cell--numeric">(\d+)</td>\s*<td class="govuk-table__cell">(?:Saturday|Holiday)',
                      sessions_table)


def test_the_preview_is_paginated_without_keeping_the_file_on_the_server(client, offers):
    preview = _upload(client, _csv(_sessions(offers, 120)))
    assert "page 1 of 3" in preview.text and ">Line<" in preview.text
    lines_shown = _line_numbers(preview.text)
    assert lines_shown[0] == "2" and len(lines_shown) == 50
    third = client.post("/provider/sessions/upload/preview", data={"upload_token": _token(preview), "page": "3"})
    assert third.status_code == 200 and "page 3 of 3" in third.text
    shown = _line_numbers(third.text)
    assert shown[0] == "102" and shown[-1] == "121"
    assert client.post("/provider/sessions/upload/preview",
                       data={"upload_token": _token(preview), "page": "²"}).status_code == 200
    assert _count() == 0


def test_the_file_is_checked_again_when_confirmed_and_nothing_is_imported_if_it_fails(client, offers):
    preview = _upload(client, _csv(_sessions(offers, 40)))
    token = _token(preview)
    # Meanwhile a session is added by hand at the same time as line 30 of the file.
    offer_id, day, start = _sessions(offers, 40)[28].split(",")[:3]
    SessionFactory(offer=next(o for o in offers if o.id == int(offer_id)),
                   starts_at=bulk.london_moment(bulk.parse_day(day), bulk.parse_clock(start)))
    refused = client.post("/provider/sessions/upload/confirm", data={"upload_token": token})
    assert refused.status_code == 409
    assert "1 line of the file has a problem. Nothing has been imported." in refused.text
    assert "This offer already has a session at this date and start time" in refused.text
    assert _count() == 1


def test_confirming_twice_imports_once(client, offers):
    token = _token(_upload(client, _csv(_sessions(offers, 10))))
    assert client.post("/provider/sessions/upload/confirm", data={"upload_token": token}).status_code == 302
    again = client.post("/provider/sessions/upload/confirm", data={"upload_token": token})
    assert again.status_code == 409 and "10 lines of the file have a problem" in again.text
    assert _count() == 10


def test_a_tampered_or_borrowed_preview_is_refused(app, client, offers):
    token = _token(_upload(client, _csv(_sessions(offers, 3))))
    tampered = client.post("/provider/sessions/upload/confirm", data={"upload_token": token[:-3] + "abc"})
    assert tampered.status_code == 409 and "Upload the file again" in tampered.text
    colleague = UserFactory(role=Role.PROVIDER, provider_id=offers[0].provider_id)
    other = app.test_client()
    sign_in(other, colleague)
    assert other.post("/provider/sessions/upload/confirm", data={"upload_token": token}).status_code == 409
    assert _count() == 0


@pytest.mark.parametrize("locking", [False, True], ids=["control-without-the-lock", "with-the-lock"])
def test_the_same_file_confirmed_twice_at_once_imports_once(app, staff, offers, monkeypatch, locking):
    """Both imports check for duplicates before either writes. Without the lock (the control) both import;
    with it the second waits, then finds the first one's sessions and imports nothing."""
    content = _csv(_sessions(offers, 200)).decode()
    provider_id = staff.provider_id
    if not locking:
        monkeypatch.setattr(bulk, "_lock_provider", lambda provider: None)
    check_duplicates = bulk._already_there

    def slow_duplicate_check(planned):
        problems = check_duplicates(planned)
        time.sleep(0.5)  # widen the window between checking and writing
        return problems

    monkeypatch.setattr(bulk, "_already_there", slow_duplicate_check)
    outcomes = []

    def confirm():
        with app.app_context():
            try:
                bulk.import_sessions(db.session.get(Provider, provider_id), content, by=None)
                db.session.commit()
                outcomes.append("imported")
            except bulk.UploadProblems:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if locking:
        assert sorted(outcomes) == ["imported", "refused"] and _count() == 200
    else:
        assert outcomes == ["imported", "imported"] and _count() == 400  # the race the lock prevents


def test_an_import_that_fails_half_way_leaves_nothing_behind(app, staff, offers, monkeypatch):
    monkeypatch.setattr(bulk, "INSERT_CHUNK", 10)
    content = _csv(_sessions(offers, 35)).decode()

    def fail_after_first_chunk(done_now, total):
        if _count() >= 10:
            raise DomainError("The database went away")

    with pytest.raises(DomainError):
        bulk.import_sessions(staff.provider, content, by=staff, progress=fail_after_first_chunk)
    db.session.rollback()
    assert _count() == 0


def test_five_thousand_sessions_import_in_seconds(client, offers, capsys):
    content = _csv(_sessions(offers, 5_000))
    started = time.perf_counter()
    preview = _upload(client, content)
    checked = time.perf_counter()
    assert preview.status_code == 200 and "Add 5,000 sessions" in preview.text
    done = client.post("/provider/sessions/upload/confirm", data={"upload_token": _token(preview)})
    finished = time.perf_counter()
    assert done.status_code == 302
    assert _count() == 5_000
    assert planner_rows("sessions") == 5_000  # the import analysed the table it filled
    assert "5,000 sessions imported for 2 offers." in client.get(done.location).text
    with capsys.disabled():
        print(f"\n[{db.engine.dialect.name}] 5,000-row CSV ({len(content):,} bytes; preview form "
              f"{len(_token(preview)):,} bytes): upload and check {checked - started:.2f} s, "
              f"confirm and import {finished - checked:.2f} s, total {finished - started:.2f} s")


def test_the_command_line_import_shows_progress_and_imports_all_or_nothing(app, runner, staff, offers, tmp_path,
                                                                           capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(_csv(_sessions(offers, 5_000)))
    started = time.perf_counter()
    result = runner.invoke(import_sessions_command, [str(good), "--provider-id", str(staff.provider_id)])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert "Importing 5,000 sessions" in result.output and "Imported 5,000 sessions." in result.output
    assert _count() == 5_000
    with capsys.disabled():
        print(f"\n[{db.engine.dialect.name}] flask import-sessions, 5,000 rows: {elapsed:.2f} s")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv([f"{offers[0].id},01/07/{NEXT_YEAR},23:00,23:30,5,",
                          f"{offers[0].id},31/06/{NEXT_YEAR},10:00,12:00,5,"]))
    result = runner.invoke(import_sessions_command, [str(bad), "--provider-id", str(staff.provider_id)])
    assert result.exit_code == 1
    assert "Line 3: “31/06/" in result.output and "Nothing has been imported" in result.output
    assert _count() == 5_000
    result = runner.invoke(import_sessions_command, [str(bad), "--provider-id", "999999"])
    assert result.exit_code == 1 and "There is no provider with id 999999" in result.output


def test_register_commands_adds_the_command(app):
    host = Flask("host")
    provider_commands.register_commands(host)
    assert "import-sessions" in host.cli.commands


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.lists(st.one_of(st.text(max_size=25), st.sampled_from(
    ["1", "01/07/2030", "31/02/2030", "16:00", "4pm", "25:00", "0", "²", "-1", '"', "\r", ";"])), max_size=8),
    max_size=6), header=st.sampled_from([HEADER, "offer;date;start;end;places", "", "date,offer"]))
def test_any_file_gets_an_answer_not_a_server_error(app, staff, offers, lines, header):
    client = app.test_client()
    sign_in(client, staff)
    content = "\n".join([header] + [",".join(cells) for cells in lines]).encode("utf-8", "surrogatepass")
    response = _upload(client, content)
    assert response.status_code in (200, 422), response.text[:500]
    token = client.post("/provider/sessions/upload/preview", data={"upload_token": "x" + "".join(header)})
    assert token.status_code == 409
    assert _count() == 0
