"""The instance life cycle as a directed graph (spec §7.6, §10.4)."""

from typing import Literal

from .base import Model

StateName = Literal["start", "pending", "running", "stopping", "stopped", "finish", "error"]
Action = Literal["create", "reboot", "stop", "start", "destroy"]


class Transition(Model):
    source: StateName
    target: StateName
    action: Action | None = None  # None: an automatic transition

    @property
    def automatic(self) -> bool:
        return self.action is None


class StateMachine(Model):
    transitions: list[Transition]

    @classmethod
    def parse(cls, *lines: str) -> "StateMachine":
        """Build from lines ``"running -stop-> stopped"`` or ``"pending -> running"`` (automatic)."""
        transitions = []
        for line in lines:
            left, target = (part.strip() for part in line.split("->"))
            source, _, action = left.partition("-")
            transitions.append(
                Transition(source=source.strip(), target=target, action=action.strip() or None)  # type: ignore[arg-type]
            )
        return cls(transitions=transitions)

    def states(self) -> list[str]:
        """State names in order of first mention."""
        seen: dict[str, None] = {}
        for t in self.transitions:
            seen.setdefault(t.source)
            seen.setdefault(t.target)
        return list(seen)

    def leaving(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if t.source == state]

    def actions_from(self, state: str | None) -> list[str]:
        """Actions a client may trigger from an (upper-case, API-style) state."""
        if not state:
            return []
        key = state.lower().replace("-", "_")
        return [t.action for t in self.leaving(key) if t.action is not None]
