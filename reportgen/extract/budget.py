"""The per-report token budget the llm engine spends: first asks, re-asks and extra parts all draw on it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TokenBudget:
    """Input+output tokens spent by one report; re-asks and extra parts stop when it runs out."""

    limit: int
    used: int = 0
    reserved: int = 0  # estimates of calls in flight, so concurrent parts cannot all pass the check

    def allows(self, next_tokens: int = 0) -> bool:
        return self.used + self.reserved + next_tokens <= self.limit

    def reserve(self, tokens: int) -> int:
        self.reserved += tokens
        return tokens

    def settle(self, reserved: int, spent: int) -> None:
        self.reserved -= reserved
        self.used += spent
