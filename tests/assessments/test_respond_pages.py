"""The respondent's pages: link, consent, one area per page, review, submit, "this isn't me"."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from assessments.assignments.services import NewAssignment
from assessments.models import Response
from assessments.respond import services
from assessments.respond.selectors import form_sections
from clients import services as client_services
from clients.models import Invitation, Partner

pytestmark = pytest.mark.django_db

SECTION_1 = "/respond/section/1/"


def invitation_of(assignment: NewAssignment, side: str) -> Invitation:
    practice = assignment.assignment.practice
    with scope(practice=practice):
        return Invitation.objects.select_related("client", "practice", "assignment").get(
            assignment=assignment.assignment, partner=side
        )


def link_path(assignment: NewAssignment, side: str) -> str:
    """A fresh link for one partner, as the counsellor copies it when there is no email."""
    invitation = invitation_of(assignment, side)
    with scope(practice=invitation.practice):
        invitation.client.email = ""
        invitation.client.save(update_fields=["email"])
        url = client_services.invitation_reissue(invitation=invitation)
    assert url is not None
    return urlsplit(url).path


def open_link(
    assignment: NewAssignment, side: str = Partner.A, web: Client | None = None
) -> Client:
    web = web or Client()
    assert web.get(link_path(assignment, side)).status_code == 302
    return web


def consented(assignment: NewAssignment, side: str = Partner.A) -> Client:
    web = open_link(assignment, side)
    assert web.post("/respond/").status_code == 302
    return web


def response_of(assignment: NewAssignment, side: str) -> Response:
    invitation = invitation_of(assignment, side)
    with scope(practice=invitation.practice):
        return services.response_for_invitation(invitation=invitation)


def save(assignment: NewAssignment, side: str, answers: dict[str, int]) -> Response:
    response = response_of(assignment, side)
    with scope(practice=response.practice):
        return services.response_save_answers(
            response=response, revision=response.revision, answers=answers
        )


def all_items(assignment: NewAssignment) -> list[dict]:
    return assignment.assignment.instrument_version.items


def first_section_items(assignment: NewAssignment, side: str = Partner.A) -> list[dict]:
    response = response_of(assignment, side)
    return form_sections(
        version=assignment.assignment.instrument_version, order=response.item_order
    )[0].items


def checked(body: str) -> dict[str, int]:
    """The radios a page shows as checked, item id -> value."""
    found = re.findall(r'<input type="radio" name="([^"]+)" value="(\d)" checked>', body)
    return {name: int(value) for name, value in found}


# The link -------------------------------------------------------------------------------------


def test_opening_the_link_redirects_to_respond_and_drops_the_token(
    assignment: NewAssignment,
) -> None:
    path = link_path(assignment, Partner.A)
    token = path.rsplit("/", 1)[1]

    response = Client().get(path, follow=True)

    assert response.redirect_chain[0] == ("/respond/", 302)
    assert token not in response.request["PATH_INFO"]
    assert response.status_code == 200
    assert "Your counsellor. Never your partner." in response.content.decode()


def test_the_link_page_sends_no_referrer(assignment: NewAssignment) -> None:
    response = Client().get(link_path(assignment, Partner.A))

    assert response["Referrer-Policy"] == "no-referrer"
    assert Client().get("/i/not-a-real-token")["Referrer-Policy"] == "no-referrer"


def test_opening_a_link_ends_a_staff_login_in_that_browser(
    assignment: NewAssignment, as_counsellor: Client
) -> None:
    practice = assignment.assignment.practice
    assert as_counsellor.get(f"/p/{practice.slug}/").status_code == 200

    open_link(assignment, Partner.A, web=as_counsellor)

    assert as_counsellor.get(f"/p/{practice.slug}/").status_code == 302


NAMES = ("Riverside", "Sam", "Alex", "Cleo")


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("expired", "This link has expired — ask your counsellor for a new one"),
        ("revoked", "This link has been withdrawn by your counsellor"),
        ("wrong_person", "This link was reported as reaching the wrong person"),
    ],
)
def test_a_link_that_no_longer_works_says_why_and_nothing_else(
    assignment: NewAssignment, state: str, message: str
) -> None:
    from django.utils import timezone

    path = link_path(assignment, Partner.A)
    invitation = invitation_of(assignment, Partner.A)
    with scope(practice=invitation.practice):
        if state == "expired":
            invitation.expires_at = timezone.now()
            invitation.save(update_fields=["expires_at"])
        elif state == "revoked":
            client_services.invitation_revoke(invitation=invitation)
        else:
            client_services.invitation_report_wrong_person(invitation=invitation)

    web = Client()
    response = web.get(path)

    assert response.status_code == 410
    body = response.content.decode()
    assert message in body
    for name in NAMES:
        # As a word: a random CSRF token may hold a short name's letters.
        assert not re.search(rf"\b{name}\b", body)
    assert web.get("/respond/").status_code == 403


def test_an_unknown_link_is_not_recognised_and_names_no_one(assignment: NewAssignment) -> None:
    response = Client().get("/i/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")

    assert response.status_code == 404
    body = response.content.decode()
    assert "We don't recognise this link" in body
    for name in NAMES:
        assert not re.search(rf"\b{name}\b", body)


def test_respond_pages_without_a_link_ask_for_the_link(db: None) -> None:
    for url in ("/respond/", SECTION_1, "/respond/review/", "/respond/done/", "/respond/not-me/"):
        response = Client().get(url)
        assert response.status_code == 403, url
        assert "Open the link from your invitation to continue" in response.content.decode()


def test_guessing_links_is_throttled_per_address(assignment: NewAssignment) -> None:
    from assessments.respond.views import GUESS_LIMIT

    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(GUESS_LIMIT):
        assert guesser.get(f"/i/guess-{n}").status_code == 404

    throttled = guesser.get("/i/guess-final")
    assert throttled.status_code == 429
    assert "too many attempts" in throttled.content.decode()
    # Even a real link waits out the window from that address; others are unaffected.
    path = link_path(assignment, Partner.A)
    assert guesser.get(path).status_code == 429
    assert Client(REMOTE_ADDR="198.51.100.7").get(path).status_code == 302


# Consent --------------------------------------------------------------------------------------


def test_sections_need_consent_first(assignment: NewAssignment) -> None:
    web = open_link(assignment)

    assert web.get(SECTION_1)["Location"] == "/respond/"
    assert web.get("/respond/review/")["Location"] == "/respond/"


def test_consent_page_says_who_sees_the_answers_and_offers_this_isnt_me(
    assignment: NewAssignment,
) -> None:
    body = open_link(assignment).get("/respond/").content.decode()

    assert "Balance of Power Inventory" in body
    assert "About 20 minutes" in body
    assert "Your counsellor. Never your partner." in body
    assert "answers the same questions separately" in body
    assert "I understand, start" in body
    assert 'href="/respond/not-me/"' in body


def test_consent_page_says_exactly_what_happens_to_the_answers(
    assignment: NewAssignment,
) -> None:
    body = open_link(assignment).get("/respond/").content.decode()

    assert "What happens to your answers" in body
    assert "Your counsellor reads your answers." in body
    assert "Your partner never sees your individual answers." in body
    assert "Themes from your answers may be discussed in joint sessions with you both." in body
    assert "A summary may be shared with you both only if your counsellor releases it." in body
    assert "It never shows either partner's individual answers." in body


def test_consenting_starts_at_the_first_section_and_later_resumes_where_answers_stop(
    assignment: NewAssignment,
) -> None:
    web = open_link(assignment)
    response = web.post("/respond/")
    assert response["Location"] == SECTION_1
    assert invitation_of(assignment, Partner.A).consented_at is not None

    first = first_section_items(assignment)
    save(assignment, Partner.A, {item["id"]: 3 for item in first})

    assert web.get("/respond/")["Location"] == "/respond/section/2/"


# Sections -------------------------------------------------------------------------------------


def test_section_page_shows_progress_questions_saved_answers_and_reassurance(
    assignment: NewAssignment,
) -> None:
    web = consented(assignment)
    first = first_section_items(assignment)
    save(assignment, Partner.A, {first[0]["id"]: 2, first[1]["id"]: 5})

    response = web.get(SECTION_1)

    body = response.content.decode()
    assert response.status_code == 200
    assert checked(body) == {first[0]["id"]: 2, first[1]["id"]: 5}
    total = assignment.assignment.instrument_version.item_count
    assert f"Section 1 of 9 · <span data-progress-percent>{200 // total}</span>% answered" in body
    assert "Only your counsellor reads your answers. Your partner never sees them." in body
    assert 'role="status"' in body
    assert 'name="revision" value="1"' in body
    assert ">Next</button>" in body
    assert "Previous" not in body
    assert "no-store" in response["Cache-Control"]


def test_the_last_section_offers_review_and_a_section_out_of_range_is_404(
    assignment: NewAssignment,
) -> None:
    web = consented(assignment)

    body = web.get("/respond/section/9/").content.decode()
    assert "Review answers" in body
    assert "Previous" in body
    assert web.get("/respond/section/10/").status_code == 404
    assert web.get("/respond/section/0/").status_code == 404


def test_posting_a_section_saves_it_without_javascript_and_moves_on(
    assignment: NewAssignment,
) -> None:
    web = consented(assignment)
    first = first_section_items(assignment)

    response = web.post(
        SECTION_1, {"revision": "0", first[0]["id"]: "4", first[1]["id"]: "1", "go": "next"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/respond/section/2/"
    saved = response_of(assignment, Partner.A)
    assert saved.answers == {first[0]["id"]: 4, first[1]["id"]: 1}
    assert saved.revision == 1
    back = web.post("/respond/section/2/", {"revision": "1", "go": "previous"})
    assert back["Location"] == SECTION_1


def test_a_stale_post_does_not_overwrite_and_shows_the_current_answers_with_409(
    assignment: NewAssignment,
) -> None:
    web = consented(assignment)
    item = first_section_items(assignment)[0]["id"]
    save(assignment, Partner.A, {item: 5})  # another tab saved: revision 0 -> 1

    response = web.post(SECTION_1, {"revision": "0", item: "1", "go": "next"})

    assert response.status_code == 409
    body = response.content.decode()
    assert "Your answers were changed in another window" in body
    assert checked(body) == {item: 5}
    assert 'name="revision" value="1"' in body
    assert response_of(assignment, Partner.A).answers == {item: 5}


def test_a_stale_tab_resending_what_is_already_saved_just_moves_on(
    assignment: NewAssignment,
) -> None:
    web = consented(assignment)
    item = first_section_items(assignment)[0]["id"]
    save(assignment, Partner.A, {item: 5})

    response = web.post(SECTION_1, {"revision": "0", item: "5", "go": "next"})

    assert response.status_code == 302


def test_a_bad_posted_value_is_a_400_page_not_a_500(assignment: NewAssignment) -> None:
    web = consented(assignment)
    item = first_section_items(assignment)[0]["id"]

    assert web.post(SECTION_1, {"revision": "0", item: "9"}).status_code == 400
    assert web.post(SECTION_1, {"revision": "0", item: "x"}).status_code == 400
    assert web.post(SECTION_1, {"revision": "nope", item: "2"}).status_code == 400
    assert response_of(assignment, Partner.A).answers == {}


# Review and submit ----------------------------------------------------------------------------


def test_review_lists_sections_and_the_missing_required_questions_with_links(
    assignment: NewAssignment,
) -> None:
    web = consented(assignment)
    first = first_section_items(assignment)
    save(assignment, Partner.A, {first[0]["id"]: 3})

    body = web.get("/respond/review/").content.decode()

    assert "Decision-making" in body
    assert f"1 of {len(first)}" in body
    assert f'href="/respond/section/1/#q-{first[1]["id"]}"' in body
    assert f'href="/respond/section/1/#q-{first[0]["id"]}"' not in body
    optional = [item for item in all_items(assignment) if not item["required"]]
    assert optional
    for item in optional:
        assert f"#q-{item['id']}" not in body


def test_submitting_with_required_questions_missing_returns_to_review_with_400(
    assignment: NewAssignment,
) -> None:
    web = consented(assignment)

    response = web.post("/respond/submit/")

    assert response.status_code == 400
    assert "before sending" in response.content.decode()
    assert response_of(assignment, Partner.A).submitted_at is None


def answer_all_required(assignment: NewAssignment, side: str, value: int = 3) -> Response:
    return save(
        assignment, side, {item["id"]: value for item in all_items(assignment) if item["required"]}
    )


def test_submit_twice_is_one_submission_and_answers_lock(assignment: NewAssignment) -> None:
    web = consented(assignment)
    answer_all_required(assignment, Partner.A)

    first = web.post("/respond/submit/")
    submitted_at = response_of(assignment, Partner.A).submitted_at
    second = web.post("/respond/submit/")

    assert first["Location"] == second["Location"] == "/respond/done/"
    assert submitted_at is not None
    assert response_of(assignment, Partner.A).submitted_at == submitted_at
    with scope(practice=assignment.assignment.practice):
        assert Response.objects.filter(partner=Partner.A).count() == 1
    done = web.get("/respond/done/")
    assert "Your answers are with your counsellor" in done.content.decode()
    for url in ("/respond/", SECTION_1, "/respond/review/"):
        assert web.get(url)["Location"] == "/respond/done/", url
    item = first_section_items(assignment)[0]["id"]
    assert web.post(SECTION_1, {"revision": "1", item: "1"})["Location"] == "/respond/done/"
    assert response_of(assignment, Partner.A).answers[item] == 3


def test_done_page_before_submitting_goes_back_to_the_start(assignment: NewAssignment) -> None:
    web = consented(assignment)

    assert web.get("/respond/done/")["Location"] == "/respond/"


# This isn't me --------------------------------------------------------------------------------


def test_this_isnt_me_disables_the_link_tells_the_counsellor_and_ends_the_session(
    assignment: NewAssignment, django_capture_on_commit_callbacks
) -> None:
    path = link_path(assignment, Partner.A)
    web = Client()
    web.get(path)
    assert "disable the link" in web.get("/respond/not-me/").content.decode()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = web.post("/respond/not-me/")

    assert "Thank you — the link has been disabled and the counsellor told." in (
        response.content.decode()
    )
    assert len(callbacks) == 1  # the counsellor's notification is queued
    assert invitation_of(assignment, Partner.A).state == Invitation.State.WRONG_PERSON
    assert web.get("/respond/").status_code == 403
    assert web.get(path).status_code == 410
    assert not [m for m in mail.outbox if "Alex" in m.body]


# Privacy and page hygiene ---------------------------------------------------------------------


def test_partner_a_never_sees_partner_b_answers_even_after_b_submits(
    assignment: NewAssignment,
) -> None:
    web_a = consented(assignment, Partner.A)
    web_b = consented(assignment, Partner.B)
    first = first_section_items(assignment, Partner.A)
    save(assignment, Partner.A, {first[0]["id"]: 1})
    answer_all_required(assignment, Partner.B, value=5)
    assert web_b.post("/respond/submit/")["Location"] == "/respond/done/"
    b_response = response_of(assignment, Partner.B)

    pages = ["/respond/", "/respond/review/"] + [f"/respond/section/{n}/" for n in range(1, 10)]
    for url in pages:
        response = web_a.get(url, follow=True)
        body = response.content.decode()
        assert response.status_code == 200, url
        assert str(b_response.public_id) not in body
        assert "Alex" not in body
        assert "Riverside" not in body
        for item_id, value in checked(body).items():
            assert (item_id, value) == (first[0]["id"], 1), url
    assert web_a.get(SECTION_1).status_code == 200  # A's draft is still A's and still open
    assert checked(web_a.get(SECTION_1).content.decode()) == {first[0]["id"]: 1}


def test_respondent_pages_are_no_store_and_carry_no_inline_script(
    assignment: NewAssignment,
) -> None:
    web = open_link(assignment)
    consent = web.get("/respond/")
    web.post("/respond/")
    pages = [consent] + [
        web.get(url) for url in (SECTION_1, "/respond/section/9/", "/respond/review/")
    ]
    pages.append(web.get("/respond/not-me/"))
    answer_all_required(assignment, Partner.A)
    web.post("/respond/submit/")
    pages.append(web.get("/respond/done/"))

    for page in pages:
        assert page.status_code == 200
        assert "no-store" in page["Cache-Control"]
        body = page.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
        assert not re.search(r"\son[a-z]+=", body)
    section_body = pages[1].content.decode()
    assert re.search(r'<script src="/static/js/respond\.js" defer>', section_body)


def test_respondent_urls_name_no_couple_practice_or_partner() -> None:
    from assessments.respond import urls as respond_urls

    for pattern in respond_urls.urlpatterns:
        route = str(pattern.pattern)
        assert not re.search(r"couple|practice|partner|uuid|<(?!int:number>|str:token>)", route)
    assert reverse("respond-section", kwargs={"number": 2}) == "/respond/section/2/"
