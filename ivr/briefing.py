"""The opening of what an agent hears before meeting a caller: which queue, line and language,
the severity, and how the caller was verified. Said on the agent line and on a pushed offer."""
from __future__ import annotations

from collections.abc import Callable

from call_store.call_state import CallState, Verified
from prompts.catalogue import Prompts
from routing.model import Queue


def who_is_coming(prompts: Prompts, state: CallState, line_name: Callable[[str], str]) -> list[str]:
    queue = state.queue_name
    language = prompts.raw("language_names").get(queue.language, queue.language)
    sentences = [prompts.text("whisper_caller", queue=prompts.raw(f"queue_names.{queue.kind.value}"),
                              line=line_name(state.line), language=language)]
    if queue.severity:
        sentences.append(prompts.text("whisper_severity", severity=queue.severity.value))
    if state.verified is Verified.YES:
        method = prompts.raw("verified_methods").get(state.verified_by.split(" ")[0], state.verified_by)
        sentences.append(prompts.text("whisper_verified", name=state.org_name or state.org, method=method))
    elif queue.kind is not Queue.PRESALES:
        sentences.append(prompts.text("whisper_unverified"))
    return sentences
