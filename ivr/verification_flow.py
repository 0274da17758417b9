"""The PIN step between the hours check and the queue (technical and billing).

A caller whose number is registered on exactly one organisation passes at
once. Anyone else gives an account number and reads back a one-time code sent
to that organisation's registered phone or e-mail. A caller who cannot be
verified still reaches an agent, told plainly that the agent will not be able
to access the account. What was established travels with the call (its Redis
record), where agents see it.
"""
from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from call_store.call_state import CallState, CallStore, Verified
from ivr.call_context import CallContext, CallParams
from ivr.enqueue import QueueEntry
from ivr.twiml import ask, hang_up, said, then
from prompts.catalogue import Prompts
from routing.choices import choose
from routing.menu import MAX_ATTEMPTS, PRESALES_KEY
from runtime.masking import mask_number
from verification.codes import CODE_DIGITS, Outcome
from verification.directory import Directory
from verification.messages import compose_message
from verification.organisations import Organisation
from verification.service import Destination, Sent, Verifier, destinations

MAX_ACCOUNT_TRIES = 3
ACCOUNT_DIGITS = 20
CODE_KEYS = 12  # a code is 6 digits; more keys are read (and fail) rather than cut to look right
RESEND_KEY = "*"


FULL_ATTESTATION = "TN-Validation-Passed-A"


class VerificationFlow:
    def __init__(self, *, context: CallContext, directory: Directory, verifier: Verifier, calls: CallStore,
                 queue_entry: QueueEntry, require_attestation: bool = False):
        self._require_attestation = require_attestation
        self._context = context
        self._directory = directory
        self._verifier = verifier
        self._calls = calls
        self._queue_entry = queue_entry

    def admit(self, state: CallState, prompts: Prompts) -> VoiceResponse:
        """Start verification for a caller headed to `state.queue`."""
        organisations = self._by_phone(state) if self._caller_id_trusted(state) else []
        if len(organisations) == 1:
            return self._registered(state, prompts, organisations[0])
        if organisations:
            return self._pick_question(prompts, organisations, 1)
        return self._account_question(prompts, 1)

    def _caller_id_trusted(self, state: CallState) -> bool:
        """Whether the caller ID may stand for the registered-number pass. With REQUIRE_STIR_ATTESTATION, a call
        whose carrier gave a SHAKEN/STIR verdict (Twilio's StirVerstat) passes only with full attestation
        ("TN-Validation-Passed-A": the carrier knows the caller and their right to the number); a verdict of B, C,
        failed or none means the number may be spoofed, so the caller proves the account with a code instead.
        Calls without a verdict (most countries have no SHAKEN/STIR) keep the policy's phone check."""
        return not (self._require_attestation and state.attestation and state.attestation != FULL_ATTESTATION)

    # -- webhooks: each reads its call (with what the step needs) in one round trip ----------

    def account(self, call: CallParams) -> VoiceResponse:
        digits = _account_number(call.digits)
        state = self._context.restore(call, account=digits)
        prompts = self._context.prompts(state)
        organisation = self._organisation(state, digits) if digits.isdigit() else None
        if organisation is not None:
            return self._found(state, prompts, organisation)
        if call.attempt < MAX_ACCOUNT_TRIES:
            lead = prompts.text("account_unknown" if digits else "no_input")
            return self._account_question(prompts, call.attempt + 1, lead)
        return self._unverified(state, prompts)

    def pick(self, call: CallParams) -> VoiceResponse:
        state = self._context.restore(call)
        prompts = self._context.prompts(state)
        organisations = self._by_phone(state)
        keys = {str(number): org.account_number for number, org in enumerate(organisations[:9], start=1)}
        chosen = choose(call.digits, "", keys, {})
        if chosen is not None:
            return self._registered(state, prompts, next(org for org in organisations if org.account_number == chosen))
        if call.attempt < MAX_ATTEMPTS and organisations:
            return self._pick_question(prompts, organisations, call.attempt + 1, _lead(prompts, call.digits))
        return self._account_question(prompts, 1)

    def channel(self, call: CallParams, sent: int) -> VoiceResponse:
        """`sent`, from the question's URL: how many codes the call had asked for when it was asked."""
        state = self._context.restore(call)
        prompts = self._context.prompts(state)
        organisation = self._organisation(state, state.org)
        if organisation is None:
            return self._unverified(state, prompts)
        offered = destinations(organisation)
        chosen = choose(call.digits, "", {str(n): str(n) for n in range(1, len(offered) + 1)}, {})
        if chosen is not None:
            return self._send(state, prompts, organisation, offered[int(chosen) - 1], sent)
        if call.attempt < MAX_ATTEMPTS:
            return self._channel_question(state, prompts, organisation, call.attempt + 1, _lead(prompts, call.digits))
        return self._unverified(state, prompts)

    def code(self, call: CallParams, account: str, sent: int) -> VoiceResponse:
        """The keyed code is checked as the call is read, against `account` (carried in the signed URL)."""
        resend = call.finished_on_key == RESEND_KEY or call.digits.startswith(RESEND_KEY)
        keyed = call.digits[:CODE_KEYS] if call.digits and not resend else ""
        state = self._context.restore(call, account=account, code=keyed if account else "")
        prompts = self._context.prompts(state)
        organisation = self._organisation(state, state.org)
        if organisation is None:
            return self._unverified(state, prompts)
        if state.verified is Verified.YES:  # Twilio sent this step again after it verified: the same answer, nothing spent
            return self._verified(state, prompts)
        if state.delivery == f"{Sent.FAILED.value}:{state.sends}":  # the code we said was on its way never left
            channel = state.channel.channel if state.channel else "email"
            return self._channel_question(state, prompts, organisation, 1, prompts.text(f"send_failed_{channel}"))
        if resend:
            return self._send(state, prompts, organisation, _destination_of(organisation, state.channel), sent)
        if not call.digits:
            if call.attempt < MAX_ATTEMPTS:
                return self._code_question(state, prompts, organisation, call.attempt + 1, prompts.text("no_input"))
            return self._unverified(state, prompts)
        account, channel = organisation.account_number, state.channel.channel if state.channel else ""
        named = state.named_organisation
        if state.code_outcome is not None and named is not None and named.account_number == account:  # checked with the reading
            outcome = self._verifier.checked(account, state.code_outcome, actor=_actor(state), channel=channel)
        else:
            outcome = self._verifier.check(account, keyed, actor=_actor(state), channel=channel)
        if outcome is Outcome.VERIFIED:
            self._remember(state, verified=Verified.YES, verified_by=channel)
            return self._verified(state, prompts)
        if outcome is Outcome.WRONG:
            return self._code_question(state, prompts, organisation, call.attempt, prompts.text("code_wrong"))
        lead = prompts.text("code_locked" if outcome is Outcome.LOCKED else "code_expired")
        return self._resend_offer(state, prompts, organisation, lead)

    # -- steps ----------------------------------------------------------------

    def _registered(self, state: CallState, prompts: Prompts, organisation: Organisation) -> VoiceResponse:
        """The caller's own number is on the organisation's profile: the existing phone check passes."""
        if organisation.purchased_via == "partner":
            return self._partner_notice(state, prompts, organisation)
        self._remember(state, org=organisation.account_number, org_name=organisation.name,
                       plan=organisation.plan, verified=Verified.YES, verified_by="registered-phone")
        self._verifier.passed_by_phone(organisation, actor=_actor(state), number=state.caller)
        return self._queue_entry.enqueue_chosen(state, prompts)

    def _verified(self, state: CallState, prompts: Prompts) -> VoiceResponse:
        return then(said(prompts, prompts.text("verified")), self._queue_entry.enqueue_chosen(state, prompts))

    def _found(self, state: CallState, prompts: Prompts, organisation: Organisation) -> VoiceResponse:
        if organisation.purchased_via == "partner":
            return self._partner_notice(state, prompts, organisation)
        self._remember(state, org=organisation.account_number, org_name=organisation.name, plan=organisation.plan)
        return self._channel_question(state, prompts, organisation, 1, prompts.text("verify_intro"))

    def _send(self, state: CallState, prompts: Prompts, organisation: Organisation, destination: Destination,
              asked_at: int) -> VoiceResponse:
        """A code to `destination`, once per question: a replay of this request (same `asked_at`) is not sent again.

        What is remembered goes first, so it rides with the code's issue; a failed send is asked about again."""
        request = f"{state.sid}:{asked_at}"
        sends = state.sends + 1
        self._remember(state, channel=destination, sends=sends)
        sid, calls = state.sid, self._calls

        def finished(outcome: Sent) -> None:  # a delivery that outlived the webhook: the next step hears how it ended
            calls.update(sid, delivery=f"{outcome.value}:{sends}")

        sent = self._verifier.send(organisation, destination, actor=_actor(state), caller=state.caller, request=request,
                                   compose=lambda to, code, minutes: compose_message(prompts, to, code, minutes),
                                   finished=finished)
        if sent is Sent.LIMITED:
            return self._unverified(state, prompts, prompts.text("codes_limited"))
        if sent is Sent.FAILED:
            return self._channel_question(state, prompts, organisation, 1, prompts.text(f"send_failed_{destination.channel}"))
        spoken = "code_sending" if sent is Sent.SENDING else "code_sent"  # "sent" only once it is known to have left
        return self._code_question(state, prompts, organisation, 1, _spoken_destination(prompts, spoken, destination))

    def _partner_notice(self, state: CallState, prompts: Prompts, organisation: Organisation) -> VoiceResponse:
        """Bought through a partner: the partner supports them; sales (key 3) is still open to them."""
        self._remember(state, org=organisation.account_number, org_name=organisation.name, verified=Verified.PARTNER)
        response = ask("partner", prompts, [prompts.text("partner"), prompts.text("partner_offer")], digits=1)
        return hang_up(prompts, prompts.text("goodbye"), response=response)

    def _unverified(self, state: CallState, prompts: Prompts, lead: str | None = None) -> VoiceResponse:
        self._remember(state, verified=Verified.NO)
        return then(said(prompts, lead, prompts.text("unverified")), self._queue_entry.enqueue_chosen(state, prompts))

    # -- questions --------------------------------------------------------------

    def _account_question(self, prompts: Prompts, attempt: int, lead: str | None = None) -> VoiceResponse:
        action = f"verify-account?attempt={attempt}"
        return ask(action, prompts, [lead, prompts.text("ask_account")], digits=None, silence=action)

    def _pick_question(self, prompts: Prompts, organisations: list[Organisation], attempt: int,
                       lead: str | None = None) -> VoiceResponse:
        action = f"verify-pick?attempt={attempt}"
        options = [prompts.text("pick_option", name=org.name, digit=number) for number, org in enumerate(organisations[:9], start=1)]
        return ask(action, prompts, [lead or prompts.text("pick_org"), *options], silence=action)

    def _channel_question(self, state: CallState, prompts: Prompts, organisation: Organisation, attempt: int,
                          lead: str | None = None) -> VoiceResponse:
        action = f"verify-channel?attempt={attempt}&sent={state.sends}"
        offers = [_spoken_destination(prompts, "offer", destination, digit=number)
                  for number, destination in enumerate(destinations(organisation), start=1)]
        return ask(action, prompts, [lead, *offers], silence=action)

    def _code_question(self, state: CallState, prompts: Prompts, organisation: Organisation, attempt: int,
                       lead: str | None = None) -> VoiceResponse:
        """The account travels in the (signed) URL so the answer's webhook checks the code as it reads the call.

        Six keys post at once (numDigits), and so does star (finishOnKey, posted even with no digit before it:
        actionOnEmptyResult), instead of star waiting out the timeout as a seventh digit would."""
        action = f"verify-code?attempt={attempt}&account={organisation.account_number}&sent={state.sends}"
        return ask(action, prompts, [lead, prompts.text("enter_code")], digits=CODE_DIGITS, silence=action,
                   finish_on_key=RESEND_KEY, always_post=True)

    def _resend_offer(self, state: CallState, prompts: Prompts, organisation: Organisation, lead: str) -> VoiceResponse:
        """The code is dead: a new one on star, otherwise on to an agent unverified."""
        action = f"verify-code?attempt=1&account={organisation.account_number}&sent={state.sends}"
        return then(ask(action, prompts, [lead, prompts.text("new_code_offer")], digits=1), self._unverified(state, prompts))

    # -- context ------------------------------------------------------------------

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

    def _remember(self, state: CallState, **fields) -> None:
        """Record on the call, in Redis and on this request's copy (the queue step reads it next)."""
        for name, value in fields.items():
            setattr(state, name, value)
        self._calls.update(state.sid, **fields)


def is_presales_choice(digits: str) -> bool:
    """At the partner notice: the one key that still leads somewhere (sales)."""
    return choose(digits, "", {PRESALES_KEY: "presales"}, {}) == "presales"


def _actor(state: CallState) -> str:
    return f"caller {mask_number(state.caller)}"


def _lead(prompts: Prompts, digits: str) -> str:
    return prompts.text("not_understood" if digits else "no_input")


def _account_number(digits: str) -> str:
    return digits.strip("#")[:ACCOUNT_DIGITS]


def _destination_of(organisation: Organisation, last: Destination | None) -> Destination:
    offered = destinations(organisation)
    return last if last in offered else offered[0]


def _spoken_destination(prompts: Prompts, prefix: str, destination: Destination, **values) -> str:
    """"the phone ending in 4567" / "the address beginning with j at contoso.com"."""
    if destination.channel == "sms":
        return prompts.text(f"{prefix}_sms", last_digits=" ".join(destination.address[-4:]), **values)
    local, _, domain = destination.address.partition("@")
    return prompts.text(f"{prefix}_email", initial=local[:1], domain=domain, **values)
