"""One collector per service. Each module has SERVICE, SCOPE (organization | account
| region) and ``collect(scope)``, which fills ``scope.output``; list-call failures
propagate and become the coverage row's status, per-item failures are recorded."""
from synthaudit.inventory.collectors import (
    cloudtrail, config, ec2, glue, iam, kms, lakeformation, lambda_, organizations, rds, s3, sagemaker, sns, sqs,
    stepfunctions,
)

COLLECTORS = (organizations, iam, s3, kms, ec2, rds, lambda_, glue, sagemaker, stepfunctions, sqs, sns, cloudtrail,
              config, lakeformation)
BY_SERVICE = {c.SERVICE: c for c in COLLECTORS}
