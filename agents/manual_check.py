"""The manual PIN step, as the seeds describe it: the agent sends a code to the
organisation's registered contact and checks the code the caller reads out,
under the same limits and audit as the IVR. A code the agent checks marks the
call they name verified, with the whole organisation context, so it travels
with the call."""
from __future__ import annotations

from dataclasses import dataclass

from call_store.call_state import CallStore, Verified
from prompts.catalogue import Catalogues
from verification.audit import mask_destination
from verification.codes import Outcome
from verification.directory import Directory
from verification.messages import compose_message
from verification.organisations import Organisation
from verification.service import Destination, Sent, Verifier, destinations

DEFAULT_MESSAGE_LOCALE = "en-GB"


@dataclass(frozen=True)
class Contact:
    index: int
    channel: str
    masked: str


@dataclass(frozen=True)
class SendResult:
    sent: Sent
    organisation: Organisation
    destination: Destination

    @property
    def masked(self) -> str:
        return mask_destination(self.destination.channel, self.destination.address)


class ManualCheck:
    def __init__(self, *, directory: Directory, verifier: Verifier, calls: CallStore, catalogues: Catalogues):
        self._directory = directory
        self._verifier = verifier
        self._calls = calls
        self._catalogues = catalogues

    def organisation(self, account_number: str) -> Organisation | None:
        return self._directory.get(account_number) if account_number.isdigit() else None

    def contacts(self, organisation: Organisation) -> list[Contact]:
        """Where a code may go, masked, numbered as `send` takes them."""
        return [Contact(index, d.channel, mask_destination(d.channel, d.address))
                for index, d in enumerate(destinations(organisation))]

    def send(self, organisation: Organisation, contact: int, *, agent_id: str, call_sid: str = "",
             language: str = "") -> SendResult:
        """A code to the organisation's `contact`-th destination; naming the call applies its caller's limits,
        else the agent's own (a withheld caller's shared budget is not the agent's to spend)."""
        destination = destinations(organisation)[contact]
        caller = self._caller(call_sid) or f"agent {agent_id}"  # else the agent's own send budget, as a caller has one
        locale = language if language and self._catalogues.has(language) else DEFAULT_MESSAGE_LOCALE
        prompts = self._catalogues(locale)
        sent = self._verifier.send(organisation, destination, actor=f"agent {agent_id}", caller=caller,
                                   compose=lambda to, code, minutes: compose_message(prompts, to, code, minutes))
        return SendResult(sent, organisation, destination)

    def check(self, account_number: str, code: str, *, agent_id: str, call_sid: str = "") -> Outcome:
        """The code the caller read out; verified marks the named call with the organisation's whole context."""
        outcome = self._verifier.check(account_number, code[:12], actor=f"agent {agent_id}", channel="agent")
        if outcome is Outcome.VERIFIED and call_sid:
            organisation = self._directory.get(account_number)
            self._calls.update(call_sid[:64], org=account_number, org_name=organisation.name if organisation else "",
                               plan=organisation.plan if organisation else "", verified=Verified.YES,
                               verified_by=f"agent {agent_id}")
        return outcome

    def _caller(self, call_sid: str) -> str:
        if not call_sid:
            return ""
        state = self._calls.get(call_sid[:64])
        return state.caller if state else ""
