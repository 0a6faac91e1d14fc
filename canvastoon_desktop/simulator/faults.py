"""Fault injection: rules that make a route misbehave on purpose.

A :class:`FaultRule` names a route (exactly, ``*``, or a prefix such as ``replicate.*``),
a kind, and how often it fires (``rate``, drawn from an RNG seeded by the config so a
test is reproducible; ``times`` caps the number of firings). The first matching rule
that fires decides what happens to a request.

Kinds
-----
``429`` ``500`` ``503``   answer with that status and the provider's error body, doing no
                          work; ``429`` may carry ``Retry-After: <retry_after>``.
``drop``                  close the connection before doing any work.
``drop_after_create``     do the work (create the job, charge credits), then close the
                          connection without an answer: the "outcome unknown" case.
``slow``                  wait ``delay_s`` (default 2 s) before handling the request.
``fail``                  the job ends ``failed`` (Replicate) / ``error`` (AIML video);
                          synchronous AIML calls answer 500.
``cancel``                the prediction ends ``canceled`` (as if canceled on the website).
``expired``               output URLs answer 404 and the prediction shows ``data_removed``.
``out_of_credits``        AIML 403 / Replicate 402 with the provider's billing message.
``malformed``             do the work, then answer 200 with a truncated JSON body.
``bad_structured_output`` ``aiml.chat`` with a ``json_schema``: content that does not
                          match the schema.
``hostile_charge``        do the work and bill it as usual, but report ``charge`` (JSON
                          text, default ``1e400``) in place of the charge the answer carries:
                          AIML's ``credits_used`` / ``tokens_used`` / ``usd_spent``,
                          Replicate's ``metrics.predict_time``.
``answer_list``           do the work, then answer 200 with the JSON body ``[]``.
``answer_null``           do the work, then answer 200 with the JSON body ``null``.
``answer_html``           do the work, then answer 200 with an HTML page (``text/html``),
                          as a captive portal or a misrouted proxy does.
``answer_strings``        do the work, then answer 200 with every number in the JSON
                          body turned into a string (``"credits_used": "1260"``).

A ``429`` names its reset in the body as the provider does (Replicate: "Your rate limit
resets in ~30s.", with ``retry_after`` seconds instead of 30 when given) and, unless
``header`` is false, sends ``Retry-After: <retry_after>`` too.

Spec grammar (``--faults`` on the command line, :func:`parse_fault_spec`)
--------------------------------------------------------------------------
::

    spec  := rule ( "," rule )*
    rule  := ROUTE [ "[" MODEL "]" ] ":" KIND [ "=" SECONDS ] [ "@" RATE ] [ "#" TIMES ]

``SECONDS`` is ``retry_after`` for ``429`` and ``delay_s`` for ``slow``; ``RATE`` is a
probability in (0, 1] (default 1); ``TIMES`` a positive integer (default unlimited).
Example: ``replicate.predictions.create:429=5@0.2,aiml.video.poll:503@0.1#3,
output:drop@0.05,*:slow=2@0.1,replicate.predictions.create[google/veo-3.1-fast]:fail``.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field

from .routes import route_matches, validate_route_pattern

__all__ = ["FAULT_KINDS", "HOSTILE_ANSWERS", "FaultRule", "FaultSet", "parse_fault_spec"]

FAULT_KINDS: tuple[str, ...] = (
    "429",
    "500",
    "503",
    "drop",
    "drop_after_create",
    "slow",
    "fail",
    "cancel",
    "expired",
    "out_of_credits",
    "malformed",
    "bad_structured_output",
    "hostile_charge",
    "answer_list",
    "answer_null",
    "answer_html",
    "answer_strings",
)
#: kinds that do the work and then replace the answer with something hostile
HOSTILE_ANSWERS: tuple[str, ...] = ("answer_list", "answer_null", "answer_html", "answer_strings")

#: what ``hostile_charge`` reports when no ``charge`` is given
DEFAULT_HOSTILE_CHARGE = "1e400"

DEFAULT_SLOW_S = 2.0


@dataclass(eq=False)
class FaultRule:
    """One way to misbehave; see the module docstring for the kinds."""

    route: str
    kind: str
    rate: float = 1.0
    times: int | None = None
    retry_after: float | None = None
    delay_s: float | None = None
    model: str | None = None
    #: ``hostile_charge``: the JSON text reported instead of the charge
    charge: str | None = None
    #: ``429`` / ``503``: whether ``retry_after`` goes in a Retry-After header (else only
    #: the body names the reset)
    header: bool = True
    #: How many times this rule has fired so far.
    fired: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        self.kind = str(self.kind)
        if self.kind not in FAULT_KINDS:
            raise ValueError(
                f"unknown fault kind {self.kind!r}; kinds are: {', '.join(FAULT_KINDS)}"
            )
        validate_route_pattern(self.route)
        if not 0.0 < self.rate <= 1.0:
            raise ValueError(f"fault rate must be in (0, 1], got {self.rate}")
        if self.times is not None and self.times < 1:
            raise ValueError(f"fault times must be a positive integer, got {self.times}")
        if self.retry_after is not None and self.kind not in ("429", "503"):
            raise ValueError("retry_after only applies to the 429 and 503 kinds")
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError("retry_after must be >= 0")
        if self.delay_s is not None and self.kind != "slow":
            raise ValueError("delay_s only applies to the slow kind")
        if self.kind == "slow" and self.delay_s is None:
            self.delay_s = DEFAULT_SLOW_S
        if self.charge is not None and self.kind != "hostile_charge":
            raise ValueError("charge only applies to the hostile_charge kind")
        if self.kind == "hostile_charge" and self.charge is None:
            self.charge = DEFAULT_HOSTILE_CHARGE

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def applies_to(self, route: str, model: str | None) -> bool:
        if not route_matches(self.route, route):
            return False
        return self.model is None or self.model == model


class FaultSet:
    """The live list of rules; thread-safe, with a seeded RNG for ``rate``."""

    def __init__(self, rules: list[FaultRule] | None = None, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = list(rules or [])
        self._rng = random.Random(seed)

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def extend(self, rules: list[FaultRule]) -> None:
        with self._lock:
            self._rules.extend(rules)

    def remove(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.remove(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def draw(self, route: str, model: str | None) -> FaultRule | None:
        """The rule that fires for this request, if any (counts the firing)."""
        with self._lock:
            for rule in self._rules:
                if rule.exhausted or not rule.applies_to(route, model):
                    continue
                if rule.rate < 1.0 and self._rng.random() >= rule.rate:
                    continue
                rule.fired += 1
                return rule
        return None


_RULE_RE = re.compile(
    r"""^(?P<route>[A-Za-z0-9_.*]+)
        (?:\[(?P<model>[^\]]+)\])?
        :(?P<kind>[A-Za-z0-9_]+)
        (?:=(?P<value>[0-9]*\.?[0-9]+))?
        (?:@(?P<rate>[0-9]*\.?[0-9]+))?
        (?:\#(?P<times>[0-9]+))?$""",
    re.VERBOSE,
)


def parse_fault_spec(spec: str) -> list[FaultRule]:
    """Parse ``route[[model]]:kind[=seconds][@rate][#times],...`` into rules.

    Raises ``ValueError`` with a message naming the bad item and what was expected.
    """
    rules: list[FaultRule] = []
    items = [item.strip() for item in spec.split(",")] if spec.strip() else []
    for n, item in enumerate(items, start=1):
        where = f"fault spec item {n} {item!r}"
        if not item:
            raise ValueError(f"{where}: empty rule (stray comma?)")
        m = _RULE_RE.match(item)
        if m is None:
            raise ValueError(
                f"{where}: expected ROUTE[[MODEL]]:KIND[=SECONDS][@RATE][#TIMES], "
                "e.g. 'replicate.predictions.create:429=5@0.2#3'"
            )
        kind, value = m["kind"], m["value"]
        if value is not None and kind not in ("429", "503", "slow"):
            raise ValueError(f"{where}: '={value}' only applies to 429/503 (Retry-After) or slow")
        try:
            rule = FaultRule(
                route=m["route"],
                kind=kind,
                rate=float(m["rate"]) if m["rate"] is not None else 1.0,
                times=int(m["times"]) if m["times"] is not None else None,
                retry_after=float(value) if value is not None and kind != "slow" else None,
                delay_s=float(value) if value is not None and kind == "slow" else None,
                model=m["model"],
            )
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        rules.append(rule)
    return rules
