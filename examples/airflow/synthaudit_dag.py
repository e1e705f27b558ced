"""Airflow DAG: the quarterly synthaudit run, with the scheduler's alerting driven by exit codes.

Why BashOperator and not PapermillOperator: the Papermill provider's operator always
executes in report mode without a progress bar and ignores its nbconvert arguments, and
it runs one notebook per task with none of the runner's work: no dated run folder, no
stop at the first failed phase (papermill also marks cells completed on a dead kernel
or cell timeout), no HTML renders, no hygiene scan, no manifest and hash chain. So the
DAG calls ``synthaudit run`` (through examples/scheduled-run.sh, which also uploads the
sealed run to the Object Lock bucket). Should you use PapermillOperator anyway, you
must add the render, hygiene and manifest steps yourself.

Exit codes: 0 clean; 1 findings at or above the fail-on severity (the task fails, so
``email_on_failure``/``on_failure_callback`` alert the team, but the evidence is
complete); 2 a phase failed, input was invalid, a secret/PHI value reached the
evidence, or the upload failed. Retries are off: a rerun makes a new dated run
folder, and a failed run is resumed with ``synthaudit run --resume RUN`` by a person.
"""
from __future__ import annotations

import datetime as dt

from airflow import DAG

try:  # Airflow 3 (standard provider)
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2
    from airflow.operators.bash import BashOperator

SYNTHAUDIT_HOME = "/opt/synthaudit"
PARAMS = "params/acme-prod.yaml"
FAIL_ON = "high"

with DAG(
    dag_id="synthaudit_quarterly",
    description="Read-only AWS audit evidence for the synthetic-data estate, sealed and uploaded under Object Lock",
    schedule="0 2 5 1,4,7,10 *",          # 02:00 UTC on the 5th of Jan/Apr/Jul/Oct
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,                         # a missed quarter runs once, not once per missed interval
    max_active_runs=1,
    default_args={
        "owner": "audit-team",
        "retries": 0,
        "email": ["audit-team@example.org"],
        "email_on_failure": True,
        "execution_timeout": dt.timedelta(hours=6),
    },
    tags=["audit", "hipaa", "synthetic-data"],
) as dag:
    BashOperator(
        task_id="synthaudit_run",
        bash_command=f"{SYNTHAUDIT_HOME}/examples/scheduled-run.sh {PARAMS} {FAIL_ON}",
        env={"SYNTHAUDIT_HOME": SYNTHAUDIT_HOME, "AWS_PROFILE": "synthaudit-audit"},
        append_env=True,                   # keep PATH and the worker's own environment
        cwd=SYNTHAUDIT_HOME,
        # BashOperator fails the task on any non-zero exit except skip_on_exit_code (99 by default);
        # synthaudit never exits 99, so 1 and 2 both fail the task and alert.
    )
