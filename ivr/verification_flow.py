"""The PIN step between the hours check and the queue (technical and billing).

A caller whose number is registered on exactly one organisation passes at
once. Anyone else gives an account number and reads back a one-time code sent
to that organisation's registered phone or e-mail. A caller who cannot be
verified still reaches an agent, told plainly that the agent will not be able
to access the account. What was established travels with the call (its Redis
record), where agents see it.
"""
from __future__ import annotations

from collections.abc import Callable

from twilio.twiml.voice_response import VoiceResponse

from call_store.call_state import CallState, CallStore
from prompts.catalogue import Prompts
from routing.choices import choose
from ivr.twiml import asked, question, say
from runtime.masking import mask_number
from verification.codes import CODE_DIGITS, Outcome
from verification.delivery import Message
from verification.directory import Directory
from verification.organisations import Organisation
from verification.service import Destination, Sent, Verifier, destinations

MAX_ACCOUNT_TRIES = 3
MAX_ATTEMPTS = 3
ACCOUNT_DIGITS = 20
CODE_KEYS = 12  # a code is 6 digits; more keys are read (and fail) rather than cut to look right
RESEND_KEY = "*"
SENDING_STEPS = frozenset({"channel", "code"})  # their answers may send a code; their URLs carry `sent`


class VerificationFlow:
    def __init__(self, *, directory: Directory, verifier: Verifier, calls: CallStore,
                 enqueue: Callable[[CallState, Prompts], VoiceResponse],
                 presales: Callable[[CallState, Prompts], VoiceResponse]):
        self._directory = directory
        self._verifier = verifier
        self._calls = calls
        self._enqueue = enqueue
        self._presales = presales

    @staticmethod
    def read_along(step: str, digits: str, account: str) -> tuple[str, str]:
        """What a step's webhook reads with the call (one round trip): the organisation the keyed
        account number names, or, with a code keyed, that code checked against `account` (from the URL)."""
        if step == "account":
            return _account_number(digits), ""
        if step == "code" and account and digits and not digits.startswith(RESEND_KEY):
            return account, digits[:CODE_KEYS]
        return account, ""

    def admit(self, state: CallState, prompts: Prompts) -> VoiceResponse:
        """Start verification for a caller headed to `state.queue`."""
        organisations = self._by_phone(state)
        if len(organisations) == 1:
            return self._registered(state, prompts, organisations[0])
        if organisations:
            return self._pick_question(prompts, organisations, 1)
        return self._account_question(prompts, 1)

    # -- webhooks -------------------------------------------------------------

    def account(self, state: CallState, prompts: Prompts, attempt: int, digits: str) -> VoiceResponse:
        digits = _account_number(digits)
        organisation = self._organisation(state, digits) if digits.isdigit() else None
        if organisation is not None:
            return self._found(state, prompts, organisation)
        if attempt < MAX_ACCOUNT_TRIES:
            lead = prompts.text("account_unknown" if digits else "no_input")
            return self._account_question(prompts, attempt + 1, lead)
        return self._unverified(state, prompts)

    def pick(self, state: CallState, prompts: Prompts, attempt: int, digits: str) -> VoiceResponse:
        organisations = self._by_phone(state)
        keys = {str(number): org.account_number for number, org in enumerate(organisations[:9], start=1)}
        chosen = choose(digits, "", keys, {})
        if chosen is not None:
            return self._registered(state, prompts, next(org for org in organisations if org.account_number == chosen))
        if attempt < MAX_ATTEMPTS and organisations:
            return self._pick_question(prompts, organisations, attempt + 1, prompts.text("not_understood" if digits else "no_input"))
        return self._account_question(prompts, 1)

    def channel(self, state: CallState, prompts: Prompts, attempt: int, digits: str, sent: str = "") -> VoiceResponse:
        """`sent`, from the question's URL: how many codes the call had asked for when it was asked."""
        organisation = self._organisation(state, state.org)
        if organisation is None:
            return self._unverified(state, prompts)
        offered = destinations(organisation)
        chosen = choose(digits, "", {str(n): str(n) for n in range(1, len(offered) + 1)}, {})
        if chosen is not None:
            return self._send(state, prompts, organisation, offered[int(chosen) - 1], sent)
        if attempt < MAX_ATTEMPTS:
            return self._channel_question(state, prompts, organisation, attempt + 1, prompts.text("not_understood" if digits else "no_input"))
        return self._unverified(state, prompts)

    def code(self, state: CallState, prompts: Prompts, attempt: int, digits: str, sent: str = "") -> VoiceResponse:
        organisation = self._organisation(state, state.org)
        if organisation is None:
            return self._unverified(state, prompts)
        if state.verified == "yes":  # Twilio sent this step again after it verified: the same answer, nothing spent
            return self._verified(state, prompts)
        if digits.startswith(RESEND_KEY):
            return self._send(state, prompts, organisation, _destination_of(organisation, state.channel), sent)
        if not digits:
            if attempt < MAX_ATTEMPTS:
                return self._code_question(state, prompts, organisation, attempt + 1, prompts.text("no_input"))
            return self._unverified(state, prompts)
        account, channel = organisation.account_number, state.channel.split(":")[0]
        named = state.named_organisation
        if state.code_outcome is not None and named is not None and named.account_number == account:  # checked with the reading
            outcome = self._verifier.checked(account, state.code_outcome, actor=self._caller(state), channel=channel)
        else:
            outcome = self._verifier.check(account, digits[:CODE_KEYS], actor=self._caller(state), channel=channel)
        if outcome is Outcome.VERIFIED:
            self._remember(state, verified="yes", verified_by=channel)
            return self._verified(state, prompts)
        if outcome is Outcome.WRONG:
            return self._code_question(state, prompts, organisation, attempt, prompts.text("code_wrong"))
        lead = prompts.text("code_locked" if outcome is Outcome.LOCKED else "code_expired")
        return self._resend_offer(state, prompts, organisation, lead)

    def partner(self, state: CallState, prompts: Prompts, digits: str) -> VoiceResponse:
        if choose(digits, "", {"3": "presales"}, {}) == "presales":
            return self._presales(state, prompts)
        response = VoiceResponse()
        say(response, prompts, prompts.text("goodbye"))
        response.hangup()
        return response

    # -- steps ----------------------------------------------------------------

    def _registered(self, state: CallState, prompts: Prompts, organisation: Organisation) -> VoiceResponse:
        """The caller's own number is on the organisation's profile: the existing phone check passes."""
        if organisation.purchased_via == "partner":
            return self._partner_notice(state, prompts, organisation)
        self._remember(state, org=organisation.account_number, org_name=organisation.name,
                           plan=organisation.plan, verified="yes", verified_by="registered-phone")
        self._verifier.passed_by_phone(organisation, actor=self._caller(state), number=state.caller)
        return self._enqueue(state, prompts)

    def _verified(self, state: CallState, prompts: Prompts) -> VoiceResponse:
        response = VoiceResponse()
        say(response, prompts, prompts.text("verified"))
        return _then(response, self._enqueue(state, prompts))

    def _found(self, state: CallState, prompts: Prompts, organisation: Organisation) -> VoiceResponse:
        if organisation.purchased_via == "partner":
            return self._partner_notice(state, prompts, organisation)
        self._remember(state, org=organisation.account_number, org_name=organisation.name, plan=organisation.plan)
        return self._channel_question(state, prompts, organisation, 1, prompts.text("verify_intro"))

    def _send(self, state: CallState, prompts: Prompts, organisation: Organisation, destination: Destination,
              asked_at: str) -> VoiceResponse:
        """A code to `destination`, once per question: a replay of this request (same `asked_at`) is not sent again.

        What is remembered goes first, so it rides with the code's issue; a failed send is asked about again."""
        request = f"{state.sid}:{asked_at}"
        self._remember(state, channel=f"{destination.channel}:{destination.address}", sends=str(_count(state.sends) + 1))
        sent = self._verifier.send(organisation, destination, actor=self._caller(state), caller=state.caller, request=request,
                                   compose=lambda to, code, minutes: compose_message(prompts, to, code, minutes))
        if sent is Sent.LIMITED:
            return self._unverified(state, prompts, prompts.text("codes_limited"))
        if sent is Sent.FAILED:
            return self._channel_question(state, prompts, organisation, 1, prompts.text(f"send_failed_{destination.channel}"))
        return self._code_question(state, prompts, organisation, 1, _spoken_destination(prompts, "code_sent", destination))

    def _partner_notice(self, state: CallState, prompts: Prompts, organisation: Organisation) -> VoiceResponse:
        self._remember(state, org=organisation.account_number, org_name=organisation.name, verified="partner")
        gather = question("partner", prompts, [], speech=False)
        for text in (prompts.text("partner"), prompts.text("partner_offer")):
            say(gather, prompts, text)
        response = VoiceResponse()
        response.append(gather)
        say(response, prompts, prompts.text("goodbye"))
        response.hangup()
        return response

    def _unverified(self, state: CallState, prompts: Prompts, lead: str | None = None) -> VoiceResponse:
        self._remember(state, verified="no")
        response = VoiceResponse()
        for text in (lead, prompts.text("unverified")):
            if text:
                say(response, prompts, text)
        return _then(response, self._enqueue(state, prompts))

    # -- questions --------------------------------------------------------------

    def _account_question(self, prompts: Prompts, attempt: int, lead: str | None = None) -> VoiceResponse:
        gather = question(f"verify-account?attempt={attempt}", prompts, [], speech=False, digits=None)
        for text in (lead, prompts.text("ask_account")):
            if text:
                say(gather, prompts, text)
        return asked(gather, f"verify-account?attempt={attempt}")

    def _pick_question(self, prompts: Prompts, organisations: list[Organisation], attempt: int, lead: str | None = None) -> VoiceResponse:
        gather = question(f"verify-pick?attempt={attempt}", prompts, [], speech=False)
        say(gather, prompts, lead or prompts.text("pick_org"))
        for number, organisation in enumerate(organisations[:9], start=1):
            say(gather, prompts, prompts.text("pick_option", name=organisation.name, digit=number))
        return asked(gather, f"verify-pick?attempt={attempt}")

    def _channel_question(self, state: CallState, prompts: Prompts, organisation: Organisation, attempt: int,
                          lead: str | None = None) -> VoiceResponse:
        action = f"verify-channel?attempt={attempt}&sent={_count(state.sends)}"
        gather = question(action, prompts, [], speech=False)
        if lead:
            say(gather, prompts, lead)
        for number, destination in enumerate(destinations(organisation), start=1):
            say(gather, prompts, _spoken_destination(prompts, "offer", destination, digit=number))
        return asked(gather, action)

    def _code_question(self, state: CallState, prompts: Prompts, organisation: Organisation, attempt: int,
                       lead: str | None = None) -> VoiceResponse:
        """The account travels in the (signed) URL so the answer's webhook checks the code as it reads the call."""
        action = f"verify-code?attempt={attempt}&account={organisation.account_number}&sent={_count(state.sends)}"
        gather = question(action, prompts, [], speech=False, digits=CODE_DIGITS)
        for text in (lead, prompts.text("enter_code")):
            if text:
                say(gather, prompts, text)
        return asked(gather, action)

    def _resend_offer(self, state: CallState, prompts: Prompts, organisation: Organisation, lead: str) -> VoiceResponse:
        """The code is dead: a new one on star, otherwise on to an agent unverified."""
        action = f"verify-code?attempt=1&account={organisation.account_number}&sent={_count(state.sends)}"
        gather = question(action, prompts, [], speech=False, digits=1)
        for text in (lead, prompts.text("new_code_offer")):
            say(gather, prompts, text)
        response = VoiceResponse()
        response.append(gather)
        return _then(response, self._unverified(state, prompts))

    def _by_phone(self, state: CallState) -> list[Organisation]:
        """The organisations registered on the caller's number: as read with the call, else from the directory."""
        if state.phone_organisations is not None:
            return list(state.phone_organisations)
        return self._directory.by_phone(state.caller)

    def _organisation(self, state: CallState, account: str) -> Organisation | None:
        if not account:
            return None
        if state.named_organisation is not None and state.named_organisation.account_number == account:
            return state.named_organisation
        return self._directory.get(account)

    def _remember(self, state: CallState, **fields: str) -> None:
        """Record on the call, in Redis and on this request's copy (the queue step reads it next)."""
        for name, value in fields.items():
            setattr(state, name, value)
        self._calls.update(state.sid, **fields)

    @staticmethod
    def _caller(state: CallState) -> str:
        return f"caller {mask_number(state.caller)}"


def _count(text: str) -> int:
    return int(text) if text.isdigit() else 0


def _account_number(digits: str) -> str:
    return digits.strip("#")[:ACCOUNT_DIGITS]


def _destination_of(organisation: Organisation, channel: str) -> Destination:
    kind, _, address = channel.partition(":")
    for destination in destinations(organisation):
        if (destination.channel, destination.address) == (kind, address):
            return destination
    return destinations(organisation)[0]


def _spoken_destination(prompts: Prompts, prefix: str, destination: Destination, **values) -> str:
    """"the phone ending in 4567" / "the address beginning with j at contoso.com"."""
    if destination.channel == "sms":
        return prompts.text(f"{prefix}_sms", last_digits=" ".join(destination.address[-4:]), **values)
    local, _, domain = destination.address.partition("@")
    return prompts.text(f"{prefix}_email", initial=local[:1], domain=domain, **values)


def compose_message(prompts: Prompts, destination: Destination, code: str, minutes: int) -> Message:
    """The code's message in the caller's language."""
    body_key = "messages.sms" if destination.channel == "sms" else "messages.email_body"
    return Message(
        channel=destination.channel, to=destination.address,
        subject=prompts.text("messages.email_subject"),
        body=prompts.text(body_key, code=code, minutes=minutes),
    )


def _then(first: VoiceResponse, rest: VoiceResponse) -> VoiceResponse:
    """`first`'s verbs followed by `rest`'s, as one document."""
    for verb in rest.verbs:
        first.append(verb)
    return first
