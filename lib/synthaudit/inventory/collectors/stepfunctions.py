"""Step Functions: state machines with definition, every state name (nested ones
included) and task resource, role, tracing and logging."""
from __future__ import annotations

from typing import Any

from synthaudit.classify import tags_to_dict
from synthaudit.inventory.base import Scope, paginate, parse_policy

SERVICE = "stepfunctions"
SCOPE = "region"


def walk_states(definition: Any) -> tuple[list[str], list[str]]:
    """(state names, Task resources) of an ASL definition, into Parallel branches and Map processors."""
    names: set[str] = set()
    resources: set[str] = set()

    def visit(machine: Any) -> None:
        if not isinstance(machine, dict):
            return
        for name, state in (machine.get("States") or {}).items():
            names.add(name)
            if not isinstance(state, dict):
                continue
            if state.get("Type") == "Task" and state.get("Resource"):
                resources.add(str(state["Resource"]))
            for branch in state.get("Branches", []) or []:
                visit(branch)
            for key in ("Iterator", "ItemProcessor"):
                visit(state.get(key))

    visit(definition)
    return sorted(names), sorted(resources)


def collect(scope: Scope) -> None:
    sfn = scope.client("stepfunctions")
    acct, region = scope.account, scope.region
    for sm in sorted(paginate(sfn, "list_state_machines", "stateMachines"), key=lambda s: s["stateMachineArn"]):
        arn = sm["stateMachineArn"]
        desc, _ = scope.detail(f"states:DescribeStateMachine {arn}", lambda: sfn.describe_state_machine(stateMachineArn=arn))
        tags, _ = scope.detail(f"states:ListTagsForResource {arn}",
                               lambda: sfn.list_tags_for_resource(resourceArn=arn).get("tags", []))
        desc = desc or {}
        definition = parse_policy(desc.get("definition"))
        names, resources = walk_states(definition)
        scope.output.add("stepfunctions_state_machines", {
            "arn": arn, "account": acct, "region": region, "name": sm.get("name"), "tags": tags_to_dict(tags),
            "type": desc.get("type") or sm.get("type"), "status": desc.get("status"), "role_arn": desc.get("roleArn"),
            "definition": definition, "state_names": names, "task_resources": resources,
            "tracing_enabled": (desc.get("tracingConfiguration") or {}).get("enabled") if desc else None,
            "logging_level": (desc.get("loggingConfiguration") or {}).get("level"),
        })
