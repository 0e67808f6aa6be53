"""The respondent API behind autosave: read the form, save answers, submit.

Only a respondent session (opened through `/i/<token>`) gets in; a staff login, an anonymous
caller or a stale link get 403. Every request runs inside the invitation's practice scope and
reaches only that partner's own response: no URL here carries an id.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.decorators import method_decorator
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.models import InstrumentVersion
from assessments.models import Response as FormResponse
from assessments.respond import autosave, services
from assessments.respond.autosave import Remembered
from assessments.respond.privacy import answer_shown, answers_hidden, answers_shown
from assessments.respond.selectors import form_sections
from clients.models import Invitation
from clients.respondent import MISSING, RespondentLink, respondent_scope
from practice.audit import audited
from practice.models import AuditEvent
from practice.tenancy import practice_scope

# Authentication -------------------------------------------------------------------------------

LINK_GONE = "This link no longer works. Open the link from your invitation."


class RespondentSessionAuthentication(SessionAuthentication):
    """The respondent session set up by `/i/<token>`, with the same CSRF check DRF applies to a
    staff session: a cookie alone never authorises a write."""

    def authenticate(self, request: Request) -> tuple[Any, Invitation | Remembered] | None:
        remembered: Remembered | None = getattr(request._request, "remembered", None)
        if remembered is not None:
            # Only the link check is left, and the save's UPDATE makes it.
            self.enforce_csrf(request)
            return (AnonymousUser(), remembered)
        link: RespondentLink | None = getattr(request._request, "respondent_link", None)
        if link is None or link.problem == MISSING:
            return None
        if link.invitation is None:
            # The session was opened with a link that no longer works; it has been ended.
            raise exceptions.AuthenticationFailed(LINK_GONE)
        self.enforce_csrf(request)
        return (AnonymousUser(), link.invitation)


class RespondentSessionScheme(OpenApiAuthenticationExtension):
    target_class = RespondentSessionAuthentication
    name = "respondentSession"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        from django.conf import settings

        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


class IsRespondent(BasePermission):
    message = "Open the link from your invitation to continue."

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, Invitation | Remembered)


class HasConsented(BasePermission):
    message = "Read and accept the first page before answering."

    def has_permission(self, request: Request, view: Any) -> bool:
        # A respondent is remembered only once consent was given; the save re-checks it.
        if isinstance(request.auth, Remembered):
            return True
        return isinstance(request.auth, Invitation) and request.auth.consented_at is not None


class RespondentAPIView(APIView):
    authentication_classes = [RespondentSessionAuthentication]
    permission_classes = [IsRespondent, HasConsented]
    # DRF's plain error bodies ({"detail": ...}), which respond.js shows to the respondent.
    own_error_bodies = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        # The scope stays active for the whole request, authentication included.
        with respondent_scope(request) as link:
            request.respondent_link = link  # type: ignore[attr-defined]
            request.invitation = link.invitation  # type: ignore[attr-defined]
            return super().dispatch(request, *args, **kwargs)

    def invitation(self) -> Invitation:
        assert isinstance(self.request.auth, Invitation)
        return self.request.auth

    def form_response(self) -> FormResponse:
        return services.response_for_invitation(invitation=self.invitation())


def _progress(response: FormResponse, version: InstrumentVersion) -> dict[str, int]:
    total = version.item_count
    return {
        "answered": response.answered_count,
        "total": total,
        "percent": response.answered_count * 100 // max(total, 1),
    }


# Serializers ----------------------------------------------------------------------------------


def _hidden_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(),
        help_text="Ids of the private questions (about safety) that are answered. Their answers "
        "are never sent back, so that nobody else using this device can read them.",
    )


# "required" would shadow Field.required on a Serializer class, so the item shape is inline.
ItemSerializer = inline_serializer(
    "RespondentItem",
    {
        "id": serializers.CharField(),
        "text": serializers.CharField(),
        "kind": serializers.CharField(help_text="share, agree or frequency: the answer scale."),
        "required": serializers.BooleanField(),
        "choices": serializers.ListField(
            child=serializers.ListField(), help_text="[value, label] pairs, value 1-5."
        ),
        "answered": serializers.BooleanField(help_text="Whether an answer is saved."),
        "value": serializers.IntegerField(
            allow_null=True,
            help_text="The saved answer (1-5). Always null for a private question (about "
            "safety): once saved, its answer is never sent back, only that it is answered.",
        ),
    },
    many=True,
)


class RespondentSectionSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    items = ItemSerializer


class RespondentFormSerializer(serializers.Serializer[Any]):
    instrument = inline_serializer(
        "RespondentInstrument",
        {"title": serializers.CharField(), "version": serializers.IntegerField()},
    )
    sections = RespondentSectionSerializer(many=True)
    answers = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Item id -> saved answer (1-5), leaving out private questions (about safety), "
        "whose answers are never sent back: see `hidden`. Empty once the answers are submitted.",
    )
    hidden = _hidden_field()
    revision = serializers.IntegerField()
    answered = serializers.IntegerField()
    total = serializers.IntegerField()
    submitted = serializers.BooleanField()


class RespondentAnswersInSerializer(serializers.Serializer[Any]):
    revision = serializers.IntegerField(
        min_value=0,
        max_value=2**31 - 1,
        help_text="The revision the answers were read at; a stale one gets 409.",
    )
    answers = serializers.DictField(
        allow_empty=True,
        help_text="Item id -> answer 1-5, or null to clear an answer. Other items are kept.",
    )


class RespondentSavedSerializer(serializers.Serializer[Any]):
    revision = serializers.IntegerField()
    answered = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()


class RespondentConflictSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    current = inline_serializer(
        "RespondentCurrentAnswers",
        {
            "answers": serializers.DictField(
                child=serializers.IntegerField(),
                help_text="Item id -> saved answer, leaving out private questions.",
            ),
            "hidden": _hidden_field(),
            "revision": serializers.IntegerField(),
        },
        required=False,
        help_text="The answers saved meanwhile (absent when the answers are already submitted).",
    )


class RespondentAnswersErrorSerializer(serializers.Serializer[Any]):
    answers = serializers.ListField(child=serializers.CharField(), required=False)
    revision = serializers.ListField(child=serializers.CharField(), required=False)


class RespondentSubmittedSerializer(serializers.Serializer[Any]):
    submitted_at = serializers.DateTimeField()


class RespondentMissingSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    missing = serializers.ListField(child=serializers.CharField())


DENIED = OpenApiResponse(
    description="No respondent session (or a staff session), a failed CSRF check, a link that "
    "no longer works, or consent not given yet."
)

# Views ----------------------------------------------------------------------------------------


class RespondFormAPI(RespondentAPIView):
    @extend_schema(
        operation_id="respond_form",
        tags=["respond"],
        summary="The respondent's form, with their own saved answers",
        description="Answers to private questions (about safety) are never sent back: such a "
        "question shows `answered: true` with `value: null`, and is listed in `hidden`.",
        responses={200: RespondentFormSerializer, 403: DENIED},
    )
    def get(self, request: Request) -> Response:
        response = self.form_response()
        version = self.invitation().assignment.instrument_version
        # Once submitted, the answers belong to the counsellor's record only.
        saved = {} if response.is_submitted else response.answers
        sections = [
            {
                "number": section.number,
                "slug": section.slug,
                "title": section.title,
                # Only what a respondent needs: sensitivity and keying stay server-side.
                "items": [
                    {
                        "id": item["id"],
                        "text": item["text"],
                        "kind": item["kind"],
                        "required": bool(item.get("required", True)),
                        "choices": [[value, label] for value, label in item["choices"]],
                        "answered": item["id"] in saved,
                        "value": answer_shown(item, saved),
                    }
                    for item in section.items
                ],
            }
            for section in form_sections(version=version, order=response.item_order)
        ]
        progress = _progress(response, version)
        autosave.remember(request._request, self.invitation(), response)
        return Response(
            {
                "instrument": {"title": version.title, "version": version.version},
                "sections": sections,
                "answers": answers_shown(version.items, saved),
                "hidden": answers_hidden(version.items, saved),
                "revision": response.revision,
                "answered": progress["answered"],
                "total": progress["total"],
                "submitted": response.is_submitted,
            }
        )


class RespondAnswersAPI(RespondentAPIView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        remembered = autosave.remembered(request)
        if remembered is None:
            return super().dispatch(request, *args, **kwargs)
        # No invitation or practice is loaded up front: the save checks the link itself.
        request.remembered = remembered  # type: ignore[attr-defined]
        request.invitation = remembered  # type: ignore[attr-defined]
        with practice_scope(remembered.practice):
            return APIView.dispatch(self, request, *args, **kwargs)

    @extend_schema(
        operation_id="respond_save_answers",
        tags=["respond"],
        summary="Autosave: merge answers into the draft",
        description="A 200 means the answers are committed. Send the revision you last "
        "received; if another window saved meanwhile the answer is 409 with the current "
        "answers and revision, and nothing is overwritten.",
        request=RespondentAnswersInSerializer,
        responses={
            200: RespondentSavedSerializer,
            400: RespondentAnswersErrorSerializer,
            403: DENIED,
            409: RespondentConflictSerializer,
        },
    )
    @method_decorator(audited(AuditEvent.Action.CHANGE, "response"))
    def put(self, request: Request) -> Response:
        incoming = RespondentAnswersInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        revision = incoming.validated_data["revision"]
        answers = incoming.validated_data["answers"]
        remembered = request.auth
        if isinstance(remembered, Remembered):
            try:
                cleaned = services.clean_answers_for(frozenset(remembered.items), answers)
            except ValidationError as error:
                return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
            saved = autosave.save_answers(remembered, revision=revision, answers=cleaned)
            if saved is not None:
                return Response(
                    {
                        "revision": saved.revision,
                        "answered": saved.answered_count,
                        "total": remembered.total,
                        "percent": saved.answered_count * 100 // max(remembered.total, 1),
                    }
                )
            # Why not: a stale revision, a submitted or replaced response, or a link that
            # stopped working. The full path answers each as it always has.
            autosave.forget(request._request)
            with respondent_scope(request._request) as link:
                if link.invitation is None:
                    if link.problem == MISSING:
                        raise exceptions.NotAuthenticated()
                    raise exceptions.AuthenticationFailed(LINK_GONE)
                if link.invitation.consented_at is None:
                    raise exceptions.PermissionDenied(HasConsented.message)
                request._request.invitation = link.invitation  # type: ignore[attr-defined]
                return self._save(link.invitation, revision, answers)
        return self._save(self.invitation(), revision, answers)

    def _save(self, invitation: Invitation, revision: int, answers: dict[str, Any]) -> Response:
        response = services.response_for_invitation(invitation=invitation)
        version = invitation.assignment.instrument_version
        try:
            saved = services.response_save_answers(
                response=response, revision=revision, answers=answers
            )
        except ValidationError as error:
            return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
        except services.ResponseLocked:
            return Response({"detail": "already submitted"}, status=status.HTTP_409_CONFLICT)
        except services.StaleRevision as stale:
            return Response(
                {
                    "detail": "Your answers were changed in another window.",
                    "current": {
                        "answers": answers_shown(version.items, stale.current.answers),
                        "hidden": answers_hidden(version.items, stale.current.answers),
                        "revision": stale.current.revision,
                    },
                },
                status=status.HTTP_409_CONFLICT,
            )
        autosave.remember(self.request._request, invitation, saved)
        return Response({"revision": saved.revision, **_progress(saved, version)})


class RespondSubmitAPI(RespondentAPIView):
    @extend_schema(
        operation_id="respond_submit",
        tags=["respond"],
        summary="Submit the answers (idempotent)",
        description="Locks the answers. Submitting again returns the first submission's time.",
        request=None,
        responses={
            200: RespondentSubmittedSerializer,
            400: RespondentMissingSerializer,
            403: DENIED,
        },
    )
    @method_decorator(audited(AuditEvent.Action.SUBMIT, "response"))
    def post(self, request: Request) -> Response:
        try:
            submitted = services.response_submit(response=self.form_response())
        except services.IncompleteResponse as incomplete:
            return Response(
                {
                    "detail": "Some required questions are unanswered.",
                    "missing": incomplete.missing,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        assert submitted.submitted_at is not None
        return Response({"submitted_at": submitted.submitted_at.isoformat()})
